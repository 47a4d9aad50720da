#include "serve/failopen_outbox.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "common/json.hpp"

namespace kinde_claims::shim {
namespace {

std::string key_of(const std::string &user_id, const std::string &org_code) { return user_id + '\n' + org_code; }

std::int64_t millis_of(FailopenOutbox::Clock::time_point when) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
}

std::string line_of(const FailopenOutbox::Entry &entry) {
    Json line(json_pack("{s:s,s:s,s:I}", "user_id", entry.user_id.c_str(), "org_code", entry.org_code.c_str(),
                        "failed_at_ms", static_cast<json_int_t>(millis_of(entry.failed_at))));
    return json_text(line.get()) + "\n";
}

// Writes all of `text` to `fd` and flushes it to the disk.
bool write_all(int fd, const std::string &text) {
    std::size_t written = 0;
    while (written < text.size()) {
        ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        written += static_cast<std::size_t>(n);
    }
    return ::fsync(fd) == 0;
}

}  // namespace

FailopenOutbox::FailopenOutbox(std::string path, std::size_t max_users, std::chrono::milliseconds hold)
    : path_(std::move(path)), max_users_(max_users), hold_(hold) {
    if (path_.empty())
        return;
    std::ifstream file(path_);
    std::string text;
    while (std::getline(file, text)) {
        Json line = json_parse(text);
        auto user = json_string_member(line.get(), "user_id");
        auto org = json_string_member(line.get(), "org_code");
        json_t *at = line ? json_object_get(line.get(), "failed_at_ms") : nullptr;
        if (!user || !json_is_integer(at)) {
            ++skipped_lines_;
            continue;
        }
        Entry entry{std::string(*user), org ? std::string(*org) : std::string(),
                    Clock::time_point(std::chrono::milliseconds(json_integer_value(at)))};
        if (queued_.insert(key_of(entry.user_id, entry.org_code)).second && entries_.size() < max_users_)
            entries_.push_back(std::move(entry));
    }
    loaded_ = entries_.size();
    rewrite();  // drops duplicates and junk, and checks that the file can be written
}

FailopenOutbox::Added FailopenOutbox::add(const std::string &user_id, const std::string &org_code,
                                          Clock::time_point now) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string key = key_of(user_id, org_code);
    if (queued_.count(key) != 0)
        return Added::already_queued;
    if (entries_.size() >= max_users_) {
        ++dropped_;
        return Added::full;
    }
    Entry entry{user_id, org_code, now};
    if (!append(entry))
        return Added::not_saved;
    queued_.insert(key);
    entries_.push_back(std::move(entry));
    return Added::queued;
}

std::vector<FailopenOutbox::Entry> FailopenOutbox::ready(Clock::time_point now, std::size_t max) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<Entry> out;
    for (const Entry &entry : entries_) {
        if (out.size() >= max || now - entry.failed_at < hold_)
            break;
        out.push_back(entry);
    }
    return out;
}

void FailopenOutbox::remove_first(std::size_t count) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (std::size_t i = 0; i < count && !entries_.empty(); ++i) {
        queued_.erase(key_of(entries_.front().user_id, entries_.front().org_code));
        entries_.pop_front();
    }
    rewrite();
}

std::size_t FailopenOutbox::size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return entries_.size();
}

std::uint64_t FailopenOutbox::dropped() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return dropped_;
}

std::string FailopenOutbox::file_error() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return file_error_;
}

bool FailopenOutbox::append(const Entry &entry) {
    if (path_.empty())
        return true;
    int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && write_all(fd, line_of(entry));
    if (!ok)
        file_error_ = "cannot append to " + path_ + ": " + std::strerror(errno);
    if (fd >= 0)
        ::close(fd);
    return ok;
}

// The whole queue to a new file, then renamed over the old one: a crash leaves one or the other.
void FailopenOutbox::rewrite() {
    if (path_.empty())
        return;
    std::string text;
    for (const Entry &entry : entries_)
        text += line_of(entry);
    std::string temporary = path_ + ".new";
    int fd = ::open(temporary.c_str(), O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && write_all(fd, text);
    if (fd >= 0)
        ::close(fd);
    ok = ok && ::rename(temporary.c_str(), path_.c_str()) == 0;
    file_error_ = ok ? std::string() : "cannot write " + path_ + ": " + std::strerror(errno);
}

}  // namespace kinde_claims::shim
