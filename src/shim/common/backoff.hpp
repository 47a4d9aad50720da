// Exponential back-off with jitter, for retrying a service that is down (Kinde's guidance,
// FACTS.md §5). No Debian package offers this for C++, so it is these few lines, unit-tested.
#pragma once

#include <chrono>
#include <functional>

namespace kinde_claims::shim {

class Backoff {
public:
    using Duration = std::chrono::milliseconds;
    // A number in [0, 1); std::uniform_real_distribution over a per-object engine by default.
    using Random = std::function<double()>;

    Backoff(Duration base, Duration cap, Random random = {});

    // The wait before the next attempt, after one more failure: the ceiling doubles with each
    // failure from `base` up to `cap`, and the wait is drawn from [ceiling/2, ceiling) ("equal
    // jitter": never zero, so a dead service is not hammered, and processes that failed
    // together spread out).
    Duration next_delay();
    // After a success: the next failure starts from `base` again.
    void reset() { failures_ = 0; }
    unsigned failures() const { return failures_; }

private:
    Duration base_, cap_;
    Random random_;
    unsigned failures_ = 0;
};

}  // namespace kinde_claims::shim
