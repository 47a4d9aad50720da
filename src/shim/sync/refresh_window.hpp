// What Kinde answered `sync`'s refresh_claims calls lately, for what operators watch: /healthz
// (ok, degraded, failing, with the counts and the last answer that was not a refresh), /ready
// (not ready when every call of the window was refused as a configuration problem would be:
// 401, 403, 404 — a key for another Kinde business, the wrong environment) and a summary log line
// once a minute. Counts are kept per second over the window, whatever the call rate.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/raii.hpp"
#include "sync/kinde_mgmt_client.hpp"

namespace kinde_claims::shim {

class RefreshWindow {
public:
    using Clock = std::chrono::steady_clock;
    using Now = std::function<Clock::time_point()>;
    static constexpr std::chrono::seconds kWindow{300};
    static constexpr std::chrono::seconds kSummaryInterval{60};
    // Fewer calls than this in the window judge nothing: one user deleted in Kinde is not an outage.
    static constexpr long kMinCalls = 3;
    static constexpr std::size_t kOutcomes = 6;  // RefreshOutcome's values

    explicit RefreshWindow(std::chrono::seconds window = kWindow, Now now = Clock::now);

    // One answer (status 0: none).
    void add(RefreshOutcome outcome, long status);

    struct Summary {
        std::chrono::seconds span{0};
        std::array<long, kOutcomes> calls{};  // by RefreshOutcome
        long refused = 0;                     // answered 401, 403 or 404
        // The last answer in the span that was not a refresh.
        std::optional<RefreshOutcome> last_problem;
        long last_problem_status = 0;
        double last_problem_seconds_ago = 0;

        long total() const;
        long of(RefreshOutcome outcome) const { return calls[static_cast<std::size_t>(outcome)]; }
        // "ok": nothing but refreshes (or nothing); "degraded": some calls were not refreshes;
        // "failing": at least kMinCalls calls and not one refresh.
        const char *health() const;
        // At least kMinCalls calls, every one answered 401, 403 or 404: Kinde refuses everything
        // this process asks, which retrying will not fix.
        bool misconfigured() const;
        // Why, for /ready and the log.
        std::string misconfigured_reason() const;
        // {"window_seconds", "calls": {outcome: n, ...}, "last_problem": {...} | null}
        Json json() const;
        // " seconds=60 calls=12 refreshed=0 rejected=12 ... last_problem=rejected last_status=404 health=failing"
        std::string log_fields() const;
    };
    // The calls of the last `span` (at most the window).
    Summary summary(std::chrono::seconds span) const;
    Summary summary() const { return summary(window_); }
    // The calls since the previous report (since the start for the first): each call is in
    // exactly one report, whenever the reports are taken.
    Summary take_report();

private:
    struct Second {
        long long at = -1;  // the second (since the clock's epoch) it counts, -1: none
        std::array<long, kOutcomes> calls{};
        long refused = 0;
    };
    long long second_of(Clock::time_point at) const;

    std::chrono::seconds window_;
    Now now_;
    mutable std::mutex mutex_;
    std::vector<Second> seconds_;
    std::optional<RefreshOutcome> last_problem_;
    long last_problem_status_ = 0;
    Clock::time_point last_problem_at_{};
    Summary report_;
    Clock::time_point report_since_;
};

}  // namespace kinde_claims::shim
