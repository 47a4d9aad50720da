#include "kinde_rules.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <system_error>

namespace kinde_claims::rules {
namespace {

constexpr std::size_t kQuotedMaxChars = 48;

// The name tables. Each is the one source of its list: the checks and the messages are built
// from them, and test/token/prohibited_claims.test.mjs keeps the workflow's copies equal.
// Kinde's list: all tokens, plus the access-token and ID-token additions. The ID-token names are
// refused too so the same claims can be put on either token.
// clang-format off
constexpr std::array<std::string_view, 14> kProhibitedClaims = {"act", "aud", "auth_time", "azp", "exp",
    "iat", "iss", "jti", "nbf", "rat", "scp", "sid", "sub", "updated_at"};
// FACTS.md §6, in its order: access token, ID token, then Hasura's claim object.
constexpr std::array<std::string_view, 20> kKindeIssuedClaims = {"permissions", "roles", "org_code",
    "org_name", "feature_flags", "email", "external_organization_id", "application_properties",
    "organization_properties", "user_properties", "has_trial_period", "trial_expires_on", "at_hash", "name",
    "given_name", "family_name", "picture", "org_codes", "provided_id", "https://hasura.io/jwt/claims"};
// Enterprise identity providers' claims, and Hasura's session variables.
constexpr std::array<std::string_view, 2> kKindeIssuedClaimPrefixes = {"ext_", "x-hasura-"};
// clang-format on

template <std::size_t N>
std::string joined(const std::array<std::string_view, N> &names, std::string_view suffix = {}) {
    std::string out;
    for (std::string_view name : names) {
        if (!out.empty())
            out += ", ";
        out += name;
        out += suffix;
    }
    return out;
}

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

std::optional<Violation> check_org_code(std::string_view org_code) {
    if (is_valid_org_code(org_code))
        return std::nullopt;
    return invalid("invalid organization code " + quote_for_message(org_code),
                   "An organization code is \"org_\" followed by 1 to 64 letters or digits, such as "
                   "org_1ccfb819462.");
}

Violation null_org_code() {
    return Violation{kNullValueNotAllowed,
                     "organization code must not be null",
                     "An organization code is \"org_\" followed by 1 to 64 letters or digits.",
                     {}};
}

bool is_prohibited_claim(std::string_view name) {
    for (std::string_view prohibited : kProhibitedClaims)
        if (name == prohibited)
            return true;
    return false;
}

const char *prohibited_claims_list() {
    static const std::string list = joined(kProhibitedClaims);
    return list.c_str();
}

bool is_kinde_issued_claim(std::string_view name) {
    for (std::string_view issued : kKindeIssuedClaims)
        if (name == issued)
            return true;
    // Prefixes ignore ASCII case: Hasura reads its x-hasura-* names case-insensitively.
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    for (std::string_view prefix : kKindeIssuedClaimPrefixes) {
        bool match = name.size() > prefix.size();
        for (std::size_t i = 0; match && i < prefix.size(); ++i)
            match = lower(name[i]) == prefix[i];
        if (match)
            return true;
    }
    return false;
}

const char *kinde_issued_claims_list() {
    static const std::string list =
        joined(kKindeIssuedClaims) + ", " + joined(kKindeIssuedClaimPrefixes, "*");
    return list.c_str();
}

namespace {

std::string_view trimmed(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

// Calls fn(entry) for each comma-separated entry of `list`, trimmed; stops when fn returns false.
template <typename Fn>
void for_each_entry(std::string_view list, Fn &&fn) {
    if (trimmed(list).empty())
        return;
    for (;;) {
        std::size_t comma = list.find(',');
        if (!fn(trimmed(list.substr(0, comma))) || comma == std::string_view::npos)
            return;
        list.remove_prefix(comma + 1);
    }
}

}  // namespace

std::optional<Violation> check_kinde_issued_claim(std::string_view name, std::string_view allowed) {
    if (!is_kinde_issued_claim(name))
        return std::nullopt;
    bool is_allowed = false;
    for_each_entry(allowed, [&](std::string_view entry) { return !(is_allowed = entry == name); });
    if (is_allowed)
        return std::nullopt;
    return invalid("claim " + quote_for_message(name) + " is issued by Kinde itself",
                   "A custom claim of this name replaces Kinde's own value in the token, which could grant "
                   "API permissions, move the token into another organization or change the user's "
                   "identity. Kinde issues: " +
                       std::string(kinde_issued_claims_list()) + ".",
                   "Use a name of your own, such as " + quote_for_message("app_" + std::string(name)) +
                       "; the database's administrator can allow this name with the setting "
                       "kinde_claims.allowed_kinde_claims.");
}

std::optional<Violation> check_allowed_kinde_claims(std::string_view allowed) {
    std::optional<Violation> violation;
    for_each_entry(allowed, [&](std::string_view entry) {
        if (entry.empty())
            violation = invalid("kinde_claims.allowed_kinde_claims has an empty entry",
                                "The value is a comma-separated list of claim names.");
        else if (!is_kinde_issued_claim(entry))
            violation = invalid(
                quote_for_message(entry) + " is not a claim Kinde issues",
                "Only names Kinde issues itself need allowing: " + std::string(kinde_issued_claims_list()) +
                    ". Kinde's prohibited claims can never be set.");
        return !violation;
    });
    return violation;
}

namespace {

// A decimal number as sign, significant digits (no leading or trailing zeros) and the power of
// ten of the first digit's place plus one: 0.d1d2... x 10^exponent. Zero has no digits.
struct Decimal {
    bool negative = false;
    std::string digits;
    std::int64_t exponent = 0;
    bool operator==(const Decimal &other) const {
        if (digits.empty() || other.digits.empty())
            return digits.empty() && other.digits.empty();  // -0 equals 0
        return negative == other.negative && digits == other.digits && exponent == other.exponent;
    }
};

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Parses [-]digits[.digits][(e|E)[+|-]digits]. Exponents beyond any double's range saturate:
// such a number never survives, so its exact exponent does not matter.
std::optional<Decimal> decimal_parse(std::string_view text) {
    constexpr std::int64_t kSaturated = std::int64_t{1} << 40;
    Decimal out;
    std::size_t i = 0;
    if (i < text.size() && text[i] == '-') {
        out.negative = true;
        ++i;
    }
    std::int64_t point = 0;  // digits seen before the decimal point, leading zeros dropped
    bool any_digit = false, seen_point = false;
    for (; i < text.size(); ++i) {
        char c = text[i];
        if (c == '.' && !seen_point) {
            seen_point = true;
        } else if (is_digit(c)) {
            any_digit = true;
            if (out.digits.empty() && c == '0') {
                if (seen_point)
                    --point;
            } else {
                out.digits += c;
                if (!seen_point)
                    ++point;
            }
        } else {
            break;
        }
    }
    if (!any_digit)
        return std::nullopt;
    std::int64_t exponent = 0;
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        bool negative_exponent = false;
        if (i < text.size() && (text[i] == '+' || text[i] == '-'))
            negative_exponent = text[i++] == '-';
        if (i == text.size())
            return std::nullopt;
        for (; i < text.size() && is_digit(text[i]); ++i)
            exponent = std::min(exponent * 10 + (text[i] - '0'), kSaturated);
        if (negative_exponent)
            exponent = -exponent;
    }
    if (i != text.size())
        return std::nullopt;
    while (!out.digits.empty() && out.digits.back() == '0')
        out.digits.pop_back();
    out.exponent = point + exponent;
    return out;
}

// ECMAScript's Number::toString of a decimal with these digits: what a token shows.
std::string javascript_text(const Decimal &value) {
    if (value.digits.empty())
        return "0";
    std::string out = value.negative ? "-" : "";
    const std::string &d = value.digits;
    auto k = static_cast<std::int64_t>(d.size());
    std::int64_t n = value.exponent;
    if (k <= n && n <= 21) {
        out += d + std::string(static_cast<std::size_t>(n - k), '0');
    } else if (0 < n && n <= 21) {
        out += d.substr(0, static_cast<std::size_t>(n)) + "." + d.substr(static_cast<std::size_t>(n));
    } else if (-6 < n && n <= 0) {
        out += "0." + std::string(static_cast<std::size_t>(-n), '0') + d;
    } else {
        out += d.substr(0, 1);
        if (k > 1)
            out += "." + d.substr(1);
        out += (n - 1 < 0 ? "e-" : "e+") + std::to_string(n - 1 < 0 ? 1 - n : n - 1);
    }
    return out;
}

}  // namespace

bool number_survives_double(std::string_view number, std::string *arrives_as) {
    std::optional<Decimal> stored = decimal_parse(number);
    if (!stored)
        return false;
    // from_chars reads into the nearest double (correctly rounded, locale-independent); out of
    // range means the value overflows to Infinity or underflows to zero.
    double value = 0;
    const char *end = number.data() + number.size();
    auto [parsed_end, error] = std::from_chars(number.data(), end, value);
    if (parsed_end != end)
        return false;
    if (error == std::errc::result_out_of_range) {
        if (arrives_as)
            *arrives_as = stored->exponent > 0 ? (stored->negative ? "-Infinity" : "Infinity") : "0";
        return false;
    }
    if (error != std::errc())
        return false;
    // The shortest digits that read back as the same double: scientific form always gives them
    // (fixed form may print every digit of a large integer's exact value instead).
    char shortest[64];
    auto written = std::to_chars(shortest, shortest + sizeof shortest, value, std::chars_format::scientific);
    std::optional<Decimal> trip = decimal_parse(std::string_view(shortest, written.ptr - shortest));
    if (trip && *trip == *stored)
        return true;
    if (arrives_as && trip)
        *arrives_as = javascript_text(*trip);
    return false;
}

std::optional<Violation> check_claim_number(std::string_view path, std::string_view number) {
    std::string arrives_as;
    if (number_survives_double(number, &arrives_as))
        return std::nullopt;
    // Postgres writes every digit of a numeric (1e-400 is 0.000...1): long ones are shown the
    // way JavaScript would write them.
    std::optional<Decimal> stored = number.size() > 24 ? decimal_parse(number) : std::nullopt;
    std::string shown = stored ? javascript_text(*stored) : std::string(number);
    return invalid("claim " + quote_for_message(path) + " holds the number " + quote_for_message(shown) +
                       ", which reaches the token as " + arrives_as,
                   "Kinde's workflow runtime reads JSON numbers as IEEE-754 doubles, which keep about 15 "
                   "significant digits and magnitudes from 5e-324 to 1.7e308; this value would change on "
                   "its way into the token.",
                   "Store ids and exact amounts as strings, such as {\"org_id\": \"750727362669608961\"}.");
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

bool is_valid_supabase_provider(std::string_view provider) {
    if (provider.size() < 2 || provider.size() > 50)
        return false;
    return std::all_of(provider.begin(), provider.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ':' || c == '-';
    });
}

bool is_supabase_token_claim(std::string_view name) {
    return std::binary_search(std::begin(kSupabaseTokenClaims), std::end(kSupabaseTokenClaims), name);
}

}  // namespace kinde_claims::rules
