// Client-side throttling of the calls to Kinde (FACTS.md §5 asks for a token bucket): at most
// `rate` calls a second on average, `burst` at once. A 429 pauses the bucket until Kinde's
// RateLimit-Reset. Shared by every worker thread of one `sync`.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>

namespace kinde_claims::shim {

class TokenBucket {
public:
    using Clock = std::chrono::steady_clock;
    using Now = std::function<Clock::time_point()>;

    // rate: tokens added per second (> 0); burst: the most it holds (>= 1). Starts full.
    TokenBucket(double rate, double burst, Now now = Clock::now);

    // Takes a token, and says how long the caller must wait before making its call: zero when a
    // token was there. Takers queue: each is given a later time, never the same token twice.
    Clock::duration take();
    // No token before `until` (Kinde's RateLimit-Reset after a 429): the bucket empties and
    // starts filling again then. A pause never shortens one already in force.
    void pause_until(Clock::time_point until);
    // How long the pause still lasts (zero when none): a taker that waited checks this, since a
    // 429 may have come while it slept.
    Clock::duration pause_left() const;

private:
    const double rate_, burst_;
    Now now_;
    mutable std::mutex mutex_;
    double tokens_;
    Clock::time_point filled_at_;  // tokens_ is the count at this instant (later than now while paused)
};

}  // namespace kinde_claims::shim
