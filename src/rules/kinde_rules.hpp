// The rules every write obeys: Kinde user ids, claim names and sizes.
// Pure C++17, no Postgres and no network, so the extension and the shim share one copy
// and it is unit-tested on its own.
#pragma once

#if defined(POSTGRES_H) || defined(PG_VERSION_NUM)
#error "kinde_rules.hpp is pure C++: include it before any Postgres header"
#endif

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace kinde_claims::rules {

// Why a value was refused. `sqlstate` is the five-character code the extension raises and
// PostgREST maps to an HTTP status (22023 and 22004 both become 400).
struct Violation {
    const char *sqlstate;
    std::string message;
    std::string detail;
    std::string hint;
};

inline constexpr const char *kInvalidParameterValue = "22023";
inline constexpr const char *kNullValueNotAllowed = "22004";

inline constexpr std::string_view kKindeIdPrefix = "kp_";
inline constexpr std::size_t kKindeIdMaxChars = 64;  // after the prefix
inline constexpr std::size_t kClaimNameMaxChars = 128;
inline constexpr std::size_t kDefaultMaxClaimsBytes = 4096;

// The claim that lives in its own column and is never part of the `claims` object.
inline constexpr std::string_view kLifetimeSubscriber = "lifetime_subscriber";

// The value of one hexadecimal digit (either case), or -1 for any other byte. Used by the hook's
// uuid reader (access_token_hook.cpp) and the shim's log reader (common/log.cpp).
inline int hex_digit_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// [0-9A-Za-z], whatever the locale: the letters and digits every id and name rule allows.
inline bool is_alnum_ascii(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// `prefix` then 1 to `max_chars` characters of [0-9A-Za-z]: Kinde's user ids and org codes.
inline bool is_prefixed_alnum(std::string_view value, std::string_view prefix, std::size_t max_chars) {
    if (value.size() <= prefix.size() || value.size() > prefix.size() + max_chars ||
        value.substr(0, prefix.size()) != prefix)
        return false;
    for (std::size_t i = prefix.size(); i < value.size(); ++i)
        if (!is_alnum_ascii(value[i]))
            return false;
    return true;
}

// A Kinde user id: "kp_" then 1 to 64 characters of [0-9A-Za-z].
inline bool is_valid_kinde_id(std::string_view kinde_id) {
    return is_prefixed_alnum(kinde_id, kKindeIdPrefix, kKindeIdMaxChars);
}
// The same rule, with the error to raise when it fails.
std::optional<Violation> check_kinde_id(std::string_view kinde_id);
// The same rule for a SQL NULL or a missing value.
Violation null_kinde_id();

// A refused value: SQLSTATE 22023 (invalid_parameter_value) with these texts.
Violation invalid(std::string message, std::string detail, std::string hint = {});

// Every claim Supabase Auth sets or requires in its own access token (FACTS.md §11): the custom
// access token hook never lets a stored claim replace one of these. Sorted, for binary search.
inline constexpr std::string_view kSupabaseTokenClaims[] = {
    "aal", "amr", "app_metadata", "aud", "client_id", "email", "exp", "iat", "is_anonymous",
    "iss", "jti", "nbf", "phone", "role", "scope", "session_id", "sub", "user_metadata"};
bool is_supabase_token_claim(std::string_view name);
// A Supabase Auth identity provider name as Auth stores it: lower-cased, 2 to 50 characters of
// [a-z0-9:-], such as custom:kinde (FACTS.md §12).
bool is_valid_supabase_provider(std::string_view provider);
inline constexpr std::string_view kDefaultSupabaseProvider = "custom:kinde";

// A Kinde organization code: "org_" then 1 to 64 characters of [0-9A-Za-z] (FACTS.md §8: Kinde
// issues "org_" followed by hex). Checked on the token path too, so inline like the user id.
inline constexpr std::string_view kOrgCodePrefix = "org_";
inline constexpr std::size_t kOrgCodeMaxChars = 64;  // after the prefix
inline bool is_valid_org_code(std::string_view org_code) {
    return is_prefixed_alnum(org_code, kOrgCodePrefix, kOrgCodeMaxChars);
}
// The same rule, with the error (22023) to raise when it fails.
std::optional<Violation> check_org_code(std::string_view org_code);
// A NULL org code where one is required (22004).
Violation null_org_code();

// Names Kinde does not let a workflow set on a token (all tokens, access and ID tokens).
bool is_prohibited_claim(std::string_view name);
// Comma-separated list of the prohibited names, for messages and docs.
const char *prohibited_claims_list();

// Names Kinde issues itself (FACTS.md §6): a custom claim of such a name replaces Kinde's value,
// so a claims store could grant API permissions or move a token into another organization.
bool is_kinde_issued_claim(std::string_view name);
// Comma-separated list of those names and prefixes ("ext_*"), for messages and docs.
const char *kinde_issued_claims_list();

// One top-level name of the claims object: syntax, lifetime_subscriber, the prohibited names.
// The shim checks this much before the network; the database adds check_kinde_issued_claim.
std::optional<Violation> check_claim_name(std::string_view name);
// A Kinde-issued name is refused unless it is in `allowed`, the value of
// kinde_claims.allowed_kinde_claims (comma-separated, spaces around names ignored).
std::optional<Violation> check_kinde_issued_claim(std::string_view name, std::string_view allowed);
// A value for kinde_claims.allowed_kinde_claims: every entry must be a name Kinde issues (an
// exact name, or one starting with a Kinde prefix). Empty entries are refused too.
std::optional<Violation> check_allowed_kinde_claims(std::string_view allowed);

// FACTS.md §7: Kinde's runtime and Node read a JSON number into the nearest IEEE-754 double. A
// number survives when that double's shortest decimal form has the same numeric value.
// `number` is JSON number text (or Postgres numeric output). When it does not survive and
// `arrives_as` is given, it is set to what JavaScript prints for the double ("Infinity" or "0"
// when the value is out of the double's range).
bool number_survives_double(std::string_view number, std::string *arrives_as = nullptr);
// The same rule with the error to raise: `path` names the claim and where the number sits in it
// (org_id, limits.seats, ids[2]).
std::optional<Violation> check_claim_number(std::string_view path, std::string_view number);
// The claims value must be a JSON object; `json_kind` names what it was instead
// ("array", "string", "number", "boolean", "null").
Violation claims_not_object(std::string_view json_kind);
// The serialized claims object must fit in the token.
std::optional<Violation> check_claims_size(std::size_t serialized_bytes, std::size_t max_bytes);

// A value quoted for an error message: at most a few dozen characters, control and non-ASCII
// bytes escaped as \xNN, so hostile input cannot flood or forge log lines and the message is
// valid in any client encoding.
std::string quote_for_message(std::string_view value);

}  // namespace kinde_claims::rules
