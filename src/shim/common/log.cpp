#include "common/log.hpp"

#include <cstdio>
#include <ctime>
#include <optional>

#include "common/json.hpp"
#include "kinde_rules.hpp"

namespace kinde_claims::shim {
namespace {

// A JSON string of `text`; bytes that are not UTF-8 (a header as a client sent it) are written
// as \xNN, as the text format does for control bytes.
json_t *json_string_of(const std::string &text) {
    if (json_t *value = json_stringn(text.data(), text.size()))
        return value;
    std::string escaped;
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x80) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", byte);
            escaped += hex;
        } else {
            escaped += c;
        }
    }
    return json_stringn(escaped.data(), escaped.size());
}

bool is_integer(std::string_view word) {
    std::size_t start = !word.empty() && word[0] == '-' ? 1 : 0;
    if (word.size() == start || word.size() - start > 18)
        return false;
    for (std::size_t i = start; i < word.size(); ++i)
        if (word[i] < '0' || word[i] > '9')
            return false;
    return true;
}

bool is_key(std::string_view word) {
    if (word.empty())
        return false;
    for (char c : word)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    return true;
}

// Reads `key=value` pairs (log_field's quoting, or a bare word) into `object`; false when the
// text is not made of them.
bool read_fields(std::string_view text, json_t *object) {
    std::size_t at = 0;
    while (at < text.size()) {
        if (text[at] == ' ') {
            ++at;
            continue;
        }
        std::size_t equals = text.find('=', at);
        if (equals == std::string_view::npos || !is_key(text.substr(at, equals - at)))
            return false;
        std::string key(text.substr(at, equals - at));
        at = equals + 1;
        json_t *value = nullptr;
        if (at < text.size() && text[at] == '"') {
            std::string unescaped;
            bool closed = false;
            for (++at; at < text.size(); ++at) {
                char c = text[at];
                if (c == '"') {
                    closed = true;
                    ++at;
                    break;
                }
                if (c != '\\') {
                    unescaped += c;
                    continue;
                }
                if (at + 1 >= text.size())
                    return false;
                char next = text[at + 1];
                int high = at + 3 < text.size() ? rules::hex_digit_value(text[at + 2]) : -1;
                int low = at + 3 < text.size() ? rules::hex_digit_value(text[at + 3]) : -1;
                if (next == 'x' && high >= 0 && low >= 0) {
                    unescaped += static_cast<char>(high * 16 + low);
                    at += 3;
                } else {
                    unescaped += next;
                    at += 1;
                }
            }
            if (!closed)
                return false;
            value = json_string_of(unescaped);
        } else {
            std::size_t end = text.find(' ', at);
            std::string_view word = text.substr(at, end == std::string_view::npos ? text.size() - at : end - at);
            at += word.size();
            value = is_integer(word) ? json_integer(std::stoll(std::string(word))) : json_string_of(std::string(word));
        }
        if (!value)
            return false;
        json_object_set_new(object, key.c_str(), value);
    }
    return true;
}

std::string rfc3339(std::chrono::system_clock::time_point now) {
    auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    std::time_t seconds = static_cast<std::time_t>(millis / 1000);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    char text[40];
    std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &parts);
    std::snprintf(text + length, sizeof text - length, ".%03dZ", static_cast<int>(millis % 1000));
    return text;
}

}  // namespace

std::string json_log_line(std::string_view line, std::chrono::system_clock::time_point now) {
    // The message is the words before the first word that is a key=value.
    std::size_t fields_at = line.size();
    for (std::size_t at = 0; at < line.size();) {
        std::size_t end = line.find(' ', at);
        std::string_view word = line.substr(at, end == std::string_view::npos ? line.size() - at : end - at);
        std::size_t equals = word.find('=');
        if (equals != std::string_view::npos && is_key(word.substr(0, equals))) {
            fields_at = at;
            break;
        }
        if (end == std::string_view::npos)
            break;
        at = end + 1;
    }
    std::string_view message = line.substr(0, fields_at);
    while (!message.empty() && message.back() == ' ')
        message.remove_suffix(1);

    Json object(json_object());
    json_object_set_new(object.get(), "time", json_string(rfc3339(now).c_str()));
    Json fields(json_object());
    if (read_fields(line.substr(fields_at), fields.get())) {
        json_object_set_new(object.get(), "msg", json_string_of(std::string(message)));
        json_object_update_missing(object.get(), fields.get());
    } else {
        json_object_set_new(object.get(), "msg", json_string_of(std::string(line)));
    }
    return json_text(object.get());
}

RepeatLimiter::RepeatLimiter(std::chrono::seconds interval, Now now) : interval_(interval), now_(std::move(now)) {}

std::string RepeatLimiter::admit(const std::string &kind, const std::string &line) {
    std::lock_guard<std::mutex> lock(mutex_);
    Clock::time_point now = now_();
    auto found = seen_.find(kind);
    if (found != seen_.end() && now - found->second.logged_at < interval_) {
        ++found->second.held_back;
        return {};
    }
    unsigned held_back = found == seen_.end() ? 0 : found->second.held_back;
    seen_[kind] = Seen{now, 0};
    return held_back ? line + " repeated=" + std::to_string(held_back) : line;
}

std::string log_field(const char *name, std::string_view value) {
    constexpr std::size_t kMaxChars = 240;
    std::string out = std::string(" ") + name + "=\"";
    for (std::size_t i = 0; i < value.size() && i < kMaxChars; ++i) {
        auto byte = static_cast<unsigned char>(value[i]);
        if (byte == '"' || byte == '\\') {
            out += '\\';
            out += value[i];
        } else if (byte < 0x20 || byte == 0x7f) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
            out += escaped;
        } else {
            out += value[i];
        }
    }
    if (value.size() > kMaxChars)
        out += "...";
    return out + "\"";
}

}  // namespace kinde_claims::shim
