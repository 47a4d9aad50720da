// The values a command line and the environment hold, read one way for every command: the reader
// of the PostgREST client and `serve` (common/config.cpp) and the reader of `sync`
// (sync/sync_config.cpp) both use these. Errors: see common/errors.hpp.
#pragma once

#include <optional>
#include <string>

namespace kinde_claims::shim {

// A whole number from 1 to `max` written in decimal digits only (at most 9 of them); nothing for
// anything else ("", "0", "+1", "1.0", " 1").
std::optional<long> parse_positive(const std::string &text, long max);

// A number from `min` to `max` written in decimal digits and at most one point (at most 12
// characters: "0.5", "20"); nothing for anything else (a sign, an exponent, spaces).
std::optional<double> parse_number(const std::string &text, double min, double max);

// `text` without the spaces, tabs, CRs and LFs at its end (a secret file's line end).
std::string trim_line_end(std::string text);

// `url` without the slashes at its end.
std::string without_trailing_slashes(std::string url);

// A secret kept in a file (an API key, a client secret): the file's bytes without their line
// end. Nothing, with `error` set to "cannot read the <what> file <path>" or "the <what> file
// <path> is empty", when it cannot be read or holds nothing else; the secret is never quoted.
std::optional<std::string> read_secret_file(const std::string &path, const std::string &what,
                                            std::string &error);

// https://<domain> from "myapp.kinde.com" or "https://myapp.kinde.com/" (Kinde's base URL);
// nothing for a value that is not a bare host name (letters, digits, '-', '.', ':').
std::optional<std::string> kinde_url_for_domain(const std::string &domain);

// https://<domain>/.well-known/jwks.json from the same values; nothing where the above has none.
std::optional<std::string> jwks_url_for_domain(const std::string &domain);

// A JWKS URL must be https, except on the loopback interface (tests): keys fetched in the clear
// could be swapped by anyone on the path. False, with `error` set, for any other URL. Any Kinde
// URL is held to the same rule.
bool check_jwks_url(const std::string &url, std::string &error);

}  // namespace kinde_claims::shim
