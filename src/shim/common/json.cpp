#include "common/json.hpp"

namespace kinde_claims::shim {

Json json_parse(std::string_view text, std::string &error) {
    json_error_t parse_error;
    Json value(json_loadb(text.data(), text.size(), JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &parse_error));
    if (!value) {
        // jansson quotes the text near the error; that may be a payload, so it stays out.
        std::string message = parse_error.text;
        message = message.substr(0, message.find(" near '"));
        error = message + " at character " + std::to_string(parse_error.position);
    }
    return value;
}

Json json_parse(std::string_view text) {
    std::string ignored;
    return json_parse(text, ignored);
}

std::string json_text(const json_t *value) {
    MallocText text(json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY));
    if (!text)
        return "null";
    return std::string(text.get());
}

std::optional<std::string_view> json_string_member(const json_t *object, const char *key) {
    const json_t *member = json_object_get(object, key);
    if (!json_is_string(member))
        return std::nullopt;
    return std::string_view(json_string_value(member), json_string_length(member));
}

}  // namespace kinde_claims::shim
