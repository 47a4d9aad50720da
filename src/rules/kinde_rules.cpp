#include "kinde_rules.hpp"

#include <array>
#include <cstdio>

namespace kinde_claims::rules {
namespace {

constexpr std::size_t kQuotedMaxChars = 48;

// Kinde's list: all tokens, plus the access-token and ID-token additions. The ID-token names are
// refused too so the same claims can be put on either token.
constexpr std::array<std::string_view, 14> kProhibitedClaims = {"act", "aud", "auth_time", "azp",       "exp",
                                                                "iat", "iss", "jti",       "nbf",       "rat",
                                                                "scp", "sid", "sub",       "updated_at"};

bool is_claim_name_char(char c) {
    return is_alnum_ascii(c) || c == '_' || c == '.' || c == ':' || c == '/' || c == '-';
}

}  // namespace

Violation invalid(std::string message, std::string detail, std::string hint) {
    return Violation{kInvalidParameterValue, std::move(message), std::move(detail), std::move(hint)};
}

std::string quote_for_message(std::string_view value) {
    std::string out = "\"";
    std::size_t shown = 0;
    for (char c : value) {
        if (shown == kQuotedMaxChars) {
            out += "...";
            break;
        }
        auto byte = static_cast<unsigned char>(c);
        // Non-ASCII bytes too: a cut may not split a UTF-8 character (an invalid message is lost
        // to clients in another encoding), and no look-alike or bidi character reaches a log.
        if (byte < 0x20 || byte >= 0x7f || c == '"' || c == '\\') {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
            out += escaped;
        } else {
            out += c;
        }
        ++shown;
    }
    out += '"';
    return out;
}

std::optional<Violation> check_kinde_id(std::string_view kinde_id) {
    if (is_valid_kinde_id(kinde_id))
        return std::nullopt;
    return invalid("invalid Kinde user id " + quote_for_message(kinde_id),
                   "A Kinde user id is \"kp_\" followed by 1 to 64 letters or digits, "
                   "such as kp_65b28d71bba14fa380d56d2d8d3503da.");
}

Violation null_kinde_id() {
    return Violation{kNullValueNotAllowed,
                     "Kinde user id must not be null",
                     "A Kinde user id is \"kp_\" followed by 1 to 64 letters or digits.",
                     {}};
}

bool is_prohibited_claim(std::string_view name) {
    for (std::string_view prohibited : kProhibitedClaims)
        if (name == prohibited)
            return true;
    return false;
}

const char *prohibited_claims_list() {
    return "act, aud, auth_time, azp, exp, iat, iss, jti, nbf, rat, scp, sid, sub, updated_at";
}

std::optional<Violation> check_claim_name(std::string_view name) {
    bool ok = !name.empty() && name.size() <= kClaimNameMaxChars;
    for (std::size_t i = 0; ok && i < name.size(); ++i)
        ok = is_claim_name_char(name[i]);
    if (!ok)
        return invalid("invalid claim name " + quote_for_message(name),
                       "A claim name is 1 to 128 characters of A-Z, a-z, 0-9, \"_\", \".\", "
                       "\":\", \"/\" and \"-\".");
    if (name == kLifetimeSubscriber)
        return invalid("claim \"lifetime_subscriber\" cannot be set inside claims",
                       "lifetime_subscriber has a column of its own.",
                       "Pass it as the lifetime_subscriber argument or column.");
    if (is_prohibited_claim(name))
        return invalid("claim " + quote_for_message(name) + " is reserved by Kinde",
                       std::string("A workflow may not set these claims: ") + prohibited_claims_list() + ".");
    return std::nullopt;
}

Violation claims_not_object(std::string_view json_kind) {
    return invalid("claims must be a JSON object",
                   "The value given is a JSON " + std::string(json_kind) + ".",
                   "Use an object such as {\"plan\": \"pro\"}; use {} for no custom claims.");
}

std::optional<Violation> check_claims_size(std::size_t serialized_bytes, std::size_t max_bytes) {
    if (serialized_bytes <= max_bytes)
        return std::nullopt;
    return invalid("claims are too large: " + std::to_string(serialized_bytes) + " bytes",
                   "The limit is " + std::to_string(max_bytes) +
                       " bytes (kinde_claims.max_claims_bytes); tokens travel in headers and "
                       "cookies.");
}

}  // namespace kinde_claims::rules
