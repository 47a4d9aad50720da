// Keys and tokens made at test time with cjose (no key is committed but the real Kinde JWKS).
#pragma once

#include <string>
#include <string_view>

#include "common/raii.hpp"

namespace kinde_claims::test {

using shim::Jwk;

// A fresh RSA key pair with this kid.
Jwk rsa_key(const std::string &kid, std::size_t bits = 2048);
// {"keys": [<public part of each key>]}, with "use": "sig" and "alg": "RS256".
std::string jwks_of(std::initializer_list<const cjose_jwk_t *> keys);
// A compact JWS of `payload`, signed with `key` under the header {"alg": alg, "kid": kid}.
std::string sign(const cjose_jwk_t *key, std::string_view payload, const std::string &kid,
                 const std::string &alg = "RS256");
// base64url without padding, through cjose.
std::string base64url(std::string_view bytes);
// A webhook payload like Kinde's.
std::string payload(const std::string &type, const std::string &event_id, const std::string &kinde_id,
                    const std::string &timestamp = "2024-05-01T17:41:45.592145+10:00");
// A file of test/fixtures, whole; `strip_newline` drops one trailing "\n".
std::string fixture(const std::string &relative_path, bool strip_newline = true);

}  // namespace kinde_claims::test
