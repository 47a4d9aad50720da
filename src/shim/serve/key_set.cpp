#include "serve/key_set.hpp"

#include "common/json.hpp"
#include "serve/base64url.hpp"

namespace kinde_claims::shim {
namespace {

constexpr std::size_t kMaxModulusChars = 1366;  // 8192 bits
constexpr std::size_t kMaxExponentChars = 16;

// A key parameter cjose can take: base64url of at most max_chars, of a length some bytes encode to.
bool is_key_parameter(std::string_view value, std::size_t max_chars) {
    return is_base64url(value) && value.size() <= max_chars && value.size() % 4 != 1;
}

}  // namespace

std::optional<KeySet> KeySet::from_jwks(std::string_view jwks, std::string &error) {
    std::string parse_error;
    Json document = json_parse(jwks, parse_error);
    if (!document) {
        error = "JWKS is not JSON: " + parse_error;
        return std::nullopt;
    }
    json_t *keys = json_object_get(document.get(), "keys");
    if (!json_is_array(keys)) {
        error = "JWKS has no \"keys\" array";
        return std::nullopt;
    }

    KeySet set;
    std::size_t index;
    json_t *entry;
    json_array_foreach(keys, index, entry) {
        auto kty = json_string_member(entry, "kty");
        auto kid = json_string_member(entry, "kid");
        auto use = json_string_member(entry, "use");
        auto alg = json_string_member(entry, "alg");
        if (!kty || *kty != "RSA" || !kid || kid->empty() || set.keys_.count(*kid))
            continue;
        if ((json_object_get(entry, "use") && use != "sig") ||
            (json_object_get(entry, "alg") && alg != "RS256"))
            continue;
        // Only the public parameters reach cjose, and only as strict base64url: cjose 0.6 aborts
        // on an "=" inside a value (found by the fuzzer), and the private ones are never needed.
        auto modulus = json_string_member(entry, "n");
        auto exponent = json_string_member(entry, "e");
        if (!modulus || !exponent || !is_key_parameter(*modulus, kMaxModulusChars) ||
            !is_key_parameter(*exponent, kMaxExponentChars))
            continue;
        Json public_key(json_pack("{s:s, s:s%, s:s%}", "kty", "RSA", "n", modulus->data(), modulus->size(),
                                  "e", exponent->data(), exponent->size()));
        std::string text = json_text(public_key.get());
        cjose_err jwk_error;
        Jwk jwk(cjose_jwk_import(text.data(), text.size(), &jwk_error));
        if (!jwk || cjose_jwk_get_kty(jwk.get(), &jwk_error) != CJOSE_JWK_KTY_RSA ||
            cjose_jwk_get_keysize(jwk.get(), &jwk_error) < kMinRsaKeyBits)
            continue;
        set.keys_.emplace(std::string(*kid), std::move(jwk));
    }
    if (set.keys_.empty()) {
        error = "JWKS has no usable key (RSA, with a kid, for RS256 signatures, at least 2048 bits)";
        return std::nullopt;
    }
    return set;
}

const cjose_jwk_t *KeySet::find(std::string_view kid) const {
    auto found = keys_.find(kid);
    return found == keys_.end() ? nullptr : found->second.get();
}

std::vector<std::string> KeySet::kids() const {
    std::vector<std::string> kids;
    for (const auto &entry : keys_)
        kids.push_back(entry.first);
    return kids;
}

}  // namespace kinde_claims::shim
