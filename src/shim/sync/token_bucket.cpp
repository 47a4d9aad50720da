#include "sync/token_bucket.hpp"

#include <algorithm>

namespace kinde_claims::shim {
namespace {

TokenBucket::Clock::duration seconds(double value) {
    return std::chrono::duration_cast<TokenBucket::Clock::duration>(std::chrono::duration<double>(value));
}

}  // namespace

TokenBucket::TokenBucket(double rate, double burst, Now now)
    : rate_(rate), burst_(std::max(burst, 1.0)), now_(std::move(now)), tokens_(burst_), filled_at_(now_()) {}

std::optional<TokenBucket::Turn> TokenBucket::take(Clock::duration within) {
    std::lock_guard<std::mutex> lock(mutex_);
    Clock::time_point now = now_();
    if (now > filled_at_) {
        tokens_ = std::min(burst_, tokens_ + std::chrono::duration<double>(now - filled_at_).count() * rate_);
        filled_at_ = now;
    }
    // The count may go below zero: a debt that later takers queue behind.
    double left = tokens_ - 1;
    Clock::time_point go = filled_at_ + (left >= 0 ? Clock::duration::zero() : seconds(-left / rate_));
    Clock::duration wait = std::max(go - now, Clock::duration::zero());
    if (wait > within)
        return std::nullopt;
    tokens_ = left;
    return Turn{wait, pauses_};
}

void TokenBucket::pause_until(Clock::time_point until) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (until <= filled_at_)
        return;
    // One token at `until`, then `rate` a second: the first call after the reset probes Kinde.
    // The debt of turns handed out before goes with them: their takers queue again.
    tokens_ = 1;
    filled_at_ = until;
    ++pauses_;
}

TokenBucket::Clock::duration TokenBucket::pause_left() const {
    std::lock_guard<std::mutex> lock(mutex_);
    // filled_at_ is in the future only while paused (take() never moves it past now).
    return std::max(filled_at_ - now_(), Clock::duration::zero());
}

unsigned long TokenBucket::pauses() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return pauses_;
}

}  // namespace kinde_claims::shim
