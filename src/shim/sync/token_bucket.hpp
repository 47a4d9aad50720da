// Client-side throttling of the calls to Kinde (FACTS.md §5 asks for a token bucket): at most
// `rate` calls a second on average, `burst` at once. A 429 pauses the bucket until Kinde's
// RateLimit-Reset. Shared by every worker thread of one `sync`.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <mutex>

namespace kinde_claims::shim {

class TokenBucket {
public:
    using Clock = std::chrono::steady_clock;
    using Now = std::function<Clock::time_point()>;

    // A caller's place in the queue: wait `wait`, then call, unless a pause began meanwhile.
    struct Turn {
        Clock::duration wait;
        unsigned long pauses;  // pauses() when it was taken
    };

    // rate: tokens added per second (> 0); burst: the most it holds (>= 1). Starts full.
    TokenBucket(double rate, double burst, Now now = Clock::now);

    // Takes a token, and says how long the caller must wait before making its call: zero when a
    // token was there. Takers queue: each is given a later time, never the same token twice.
    // Nothing, and no token taken, when that time is more than `within` away: a caller that
    // cannot wait so long (its lease would end) leaves no debt for the others to queue behind.
    std::optional<Turn> take(Clock::duration within);
    Clock::duration take() { return take(Clock::duration::max())->wait; }
    // No token before `until` (Kinde's RateLimit-Reset after a 429): the bucket holds one token
    // at `until`, and every turn handed out before this is void (its taker queues again after
    // the pause), so the first call after the reset is one probe, not every waiter at once. A
    // pause never shortens one already in force.
    void pause_until(Clock::time_point until);
    // How long the pause still lasts (zero when none).
    Clock::duration pause_left() const;
    // How many pauses have begun: a Turn whose `pauses` differs was voided by a 429.
    unsigned long pauses() const;

private:
    const double rate_, burst_;
    Now now_;
    mutable std::mutex mutex_;
    double tokens_;
    Clock::time_point filled_at_;  // tokens_ is the count at this instant (later than now while paused)
    unsigned long pauses_ = 0;
};

}  // namespace kinde_claims::shim
