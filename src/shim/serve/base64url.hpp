// The base64url alphabet (RFC 4648 §5) without padding, as JOSE uses it: the one test of it in
// the shim. cjose decodes; this only decides what may reach cjose.
#pragma once

#include <string_view>

namespace kinde_claims::shim {

inline bool is_base64url_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// Non-empty, and every character in the alphabet (no "=", no white space).
inline bool is_base64url(std::string_view text) {
    if (text.empty())
        return false;
    for (char c : text)
        if (!is_base64url_char(c))
            return false;
    return true;
}

}  // namespace kinde_claims::shim
