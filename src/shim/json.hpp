// jansson values owned by C++: released when they go out of scope.
#pragma once

#include <jansson.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace kinde_claims::shim {

struct JsonRelease {
    void operator()(json_t *value) const { json_decref(value); }
};
using Json = std::unique_ptr<json_t, JsonRelease>;

// Parses one JSON document. Duplicate object keys are refused: a signed payload must not mean
// one thing to us and another to Postgres (whose jsonb keeps the last duplicate).
Json json_parse(std::string_view text, std::string *error = nullptr);

// Compact JSON text of a value.
std::string json_text(const json_t *value);

// The string member `key` of an object; nothing when it is missing or not a string.
// (json_parse refuses "\u0000" in strings, so no value hides bytes after a NUL.)
std::optional<std::string_view> json_string_member(const json_t *object, const char *key);

}  // namespace kinde_claims::shim
