// The keys Kinde signs webhooks with: the RS256 signing keys of a JWKS document, by kid.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/raii.hpp"

namespace kinde_claims::shim {

// Smaller RSA keys are skipped: 2048 bits is the floor for RS256 today, and Kinde's are 2048.
inline constexpr std::size_t kMinRsaKeyBits = 2048;

class KeySet {
public:
    KeySet() = default;

    // The usable keys of a JWKS document ({"keys": [...]}): kty RSA, with a kid, "use" absent or
    // "sig", "alg" absent or RS256, at least kMinRsaKeyBits. Others are skipped, not errors;
    // a document with no usable key is. Sets `error` and returns nothing on failure.
    static std::optional<KeySet> from_jwks(std::string_view jwks, std::string &error);

    // The key with this kid, or nullptr.
    const cjose_jwk_t *find(std::string_view kid) const;
    std::size_t size() const { return keys_.size(); }
    std::vector<std::string> kids() const;

private:
    std::map<std::string, Jwk, std::less<>> keys_;
};

}  // namespace kinde_claims::shim
