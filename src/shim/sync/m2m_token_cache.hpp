// The M2M access token `sync` calls Kinde's Management API with (FACTS.md §5): fetched with the
// client-credentials request when first needed, kept until shortly before it expires, fetched
// again early when Kinde answers 401. Shared by every worker thread; one fetch at a time.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace kinde_claims::shim {

// A token from one client-credentials request.
struct M2mToken {
    std::string access_token;
    std::chrono::seconds expires_in{0};
};
// Why a client-credentials request gave no token.
struct M2mTokenFailure {
    std::string message;       // one line; never holds the client secret
    bool unavailable = false;  // no answer or 5xx: try again later (else: refused, 4xx)
};

class M2mTokenCache {
public:
    using Clock = std::chrono::steady_clock;
    using Fetch = std::function<std::optional<M2mToken>(M2mTokenFailure &failure)>;
    using Now = std::function<Clock::time_point()>;

    // A token is not used in its last `kRenewBefore` (or last half, for one that lives less than
    // twice that), so a call never leaves with a token that expires on the way.
    static constexpr std::chrono::seconds kRenewBefore{60};

    explicit M2mTokenCache(Fetch fetch, Now now = Clock::now);

    // The token to call with: the kept one while it is fresh, else a new one. Nothing when the
    // fetch failed, with `failure` saying why.
    std::optional<std::string> token(M2mTokenFailure &failure);
    // Kinde refused `token` (401): it is dropped, unless another thread has replaced it already.
    void invalidate(const std::string &token);
    // Whether a token is kept and still fresh (token() would not fetch).
    bool valid() const;
    // How many fetches have been made (for the log and the tests).
    unsigned fetches() const;

private:
    Fetch fetch_;
    Now now_;
    mutable std::mutex mutex_;
    std::string token_;
    Clock::time_point renew_at_{};
    unsigned fetches_ = 0;
};

}  // namespace kinde_claims::shim
