#include "sync/m2m_token_cache.hpp"

#include <algorithm>

namespace kinde_claims::shim {

M2mTokenCache::M2mTokenCache(Fetch fetch, Now now) : fetch_(std::move(fetch)), now_(std::move(now)) {}

std::optional<std::string> M2mTokenCache::token(M2mTokenFailure &failure) {
    std::lock_guard<std::mutex> lock(mutex_);
    Clock::time_point now = now_();
    if (!token_.empty() && now < renew_at_)
        return token_;
    token_.clear();
    ++fetches_;
    std::optional<M2mToken> fetched = fetch_(failure);
    if (!fetched)
        return std::nullopt;
    std::chrono::seconds keep = fetched->expires_in - std::min(kRenewBefore, fetched->expires_in / 2);
    token_ = std::move(fetched->access_token);
    renew_at_ = now + keep;
    return token_;
}

void M2mTokenCache::invalidate(const std::string &token) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (token == token_)
        token_.clear();
}

bool M2mTokenCache::valid() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return !token_.empty() && now_() < renew_at_;
}

unsigned M2mTokenCache::fetches() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return fetches_;
}

}  // namespace kinde_claims::shim
