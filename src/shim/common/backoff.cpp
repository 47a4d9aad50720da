#include "common/backoff.hpp"

#include <algorithm>
#include <memory>
#include <random>

namespace kinde_claims::shim {

Backoff::Backoff(Duration base, Duration cap, Random random)
    : base_(base), cap_(std::max(cap, base)), random_(std::move(random)) {
    if (!random_) {
        auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
        random_ = [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
    }
}

Backoff::Duration Backoff::next_delay() {
    // 2^failures stops growing once it passes cap/base; the shift is bounded so it cannot overflow.
    unsigned shift = std::min(failures_, 30u);
    ++failures_;
    double ceiling = std::min(static_cast<double>(cap_.count()), static_cast<double>(base_.count()) * (1u << shift));
    double wait = ceiling / 2 + random_() * ceiling / 2;
    return Duration(static_cast<Duration::rep>(wait));
}

}  // namespace kinde_claims::shim
