// jansson for the shim's JSON: parsed values owned by C++ (raii.hpp's Json).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/errors.hpp"
#include "common/raii.hpp"

namespace kinde_claims::shim {

// Parses one JSON document; nullptr when it is not JSON, with `error` saying why (without
// quoting the text, which may be a payload). Duplicate object keys are refused: a signed
// payload must not mean one thing to us and another to Postgres (whose jsonb keeps the last).
Json json_parse(std::string_view text, std::string &error);
// The same, for a caller that only needs to know whether it parsed.
Json json_parse(std::string_view text);

// Compact JSON text of a value.
std::string json_text(const json_t *value);

// The string member `key` of an object; nothing when it is missing or not a string.
// (json_parse refuses "\u0000" in strings, so no value hides bytes after a NUL.)
std::optional<std::string_view> json_string_member(const json_t *object, const char *key);

}  // namespace kinde_claims::shim
