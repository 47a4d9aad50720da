// Kinde's signing keys, cached. Loaded at start; loaded again when a webhook names a kid we do
// not know (Kinde rotated its key) or the keys are an hour old (a key was withdrawn), but never
// more than once a minute, so a flood of bad tokens cannot turn into a flood of JWKS fetches.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "net/http_client.hpp"
#include "serve/key_set.hpp"

namespace kinde_claims::shim {

class JwksCache {
public:
    using Clock = std::chrono::steady_clock;
    // The JWKS document's text; nothing, with `error` set, when it cannot be had.
    using Loader = std::function<std::optional<std::string>(std::string &error)>;
    using Now = std::function<Clock::time_point()>;

    static constexpr std::chrono::seconds kMinInterval{60};
    static constexpr std::chrono::seconds kMinIntervalWithoutKeys{5};
    static constexpr std::chrono::seconds kMaxAge{3600};

    explicit JwksCache(Loader loader, Now now = Clock::now);

    enum class Refresh { not_due, loaded, failed };
    struct RefreshResult {
        Refresh refresh;
        std::string message;  // "N keys: kid, kid" or the error
    };

    // Loads now, whatever the time since the last attempt.
    RefreshResult load();
    // Loads again if the last attempt is at least kMinInterval ago (kMinIntervalWithoutKeys
    // while no load has succeeded yet). For an unknown kid.
    RefreshResult refresh_if_allowed();
    // Loads again if the keys are older than kMaxAge (and a load is allowed).
    RefreshResult refresh_if_old();

    // The current keys; nullptr until a load has succeeded. A failed load keeps the old keys.
    std::shared_ptr<const KeySet> keys() const;

private:
    RefreshResult load_locked();
    bool allowed_locked(Clock::time_point now) const;

    Loader loader_;
    Now now_;
    mutable std::mutex mutex_;
    std::shared_ptr<const KeySet> keys_;
    bool attempted_ = false;
    Clock::time_point last_attempt_{};
    Clock::time_point last_success_{};
};

// A loader that reads a JWKS file (tests, or keys pinned by hand).
JwksCache::Loader jwks_file_loader(std::string path);
// A loader that fetches a JWKS URL with its own HTTP client.
JwksCache::Loader jwks_url_loader(std::string url, HttpTimeouts timeouts);

}  // namespace kinde_claims::shim
