// What the files of `sync`'s workers share; what the rest of the shim asks of `sync` is sync.hpp:
//   sync.cpp        StopSignal and run_sync_loop: the workers' threads, the summary, the end;
//   sync_shared.cpp Shared, what every worker of one process shares: the throttle, the token,
//                   Kinde's back-off, the problems /ready reports;
//   sync_worker.cpp a Worker's loop: lease users from the feed, push them, record each outcome;
//   sync_push.cpp   between lease and record: the wait for the standbys, the turn in the
//                   bucket, and refresh_claims until Kinde's answer settles the user;
//   sync_lease.cpp  the lease's size and time, and the feed's answers parsed (lease, LSNs).
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <random>
#include <string>

#include "common/backoff.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "net/postgrest_client.hpp"
#include "sync/kinde_mgmt_client.hpp"
#include "sync/m2m_token_cache.hpp"
#include "sync/refresh_window.hpp"
#include "sync/sync.hpp"
#include "sync/sync_health_server.hpp"
#include "sync/token_bucket.hpp"

namespace kinde_claims::shim {

using Clock = std::chrono::steady_clock;

// Failures of Kinde or of PostgREST are retried with back-off: a ceiling of 0.25 s that doubles
// up to 30 s, each wait drawn from the ceiling's upper half (backoff.hpp).
inline constexpr std::chrono::milliseconds kBackoffBase{250};
inline constexpr std::chrono::milliseconds kBackoffCap{30000};

inline long elapsed_ms(Clock::time_point since) {
    using std::chrono::milliseconds;
    return static_cast<long>(std::chrono::duration_cast<milliseconds>(Clock::now() - since).count());
}

inline double elapsed_seconds(Clock::time_point since) {
    return std::chrono::duration<double>(Clock::now() - since).count();
}

// What ended a `sync --once` early: the worst failure any worker met.
enum class OnceFailure { none = 0, unavailable = 1, configuration = 2 };

// What every worker of one process shares: the throttle, the token, and Kinde's back-off.
struct Shared {
    Shared(const SyncConfig &sync, const ClientConfig &client, StopSignal &stop, LogLine log,
           Metrics &metrics);

    std::optional<M2mToken> fetch_token(M2mTokenFailure &failure);

    // A failure that retrying cannot fix: logged at most once a minute for each kind.
    void problem(const char *kind, const std::string &line);
    void set_problem(std::optional<std::string> &which, std::optional<std::string> value);
    // sync --once: a failure ends the run; the worst one decides the exit code.
    void fail_once(OnceFailure failure);

    // Why Kinde's side is not ready (nothing when it is): a refused secret, a missing scope, or
    // no valid token and none to be had now.
    std::optional<NotReady> kinde_not_ready();

    // Kinde failed: every worker waits, for longer after each failure. Workers that fail
    // together (they were all waiting on the same outage) count as one failure.
    void back_off_kinde();
    void kinde_answered(long status);

    const SyncConfig &sync;
    const ClientConfig &client;
    StopSignal &stop;
    LogLine log;
    Metrics &metrics;
    RepeatLimiter problems;
    std::mutex problem_mutex;
    std::optional<std::string> credentials_problem, scope_problem;
    std::mutex ready_token_mutex;
    Clock::time_point ready_token_at{};
    bool ready_token_tried = false;
    std::string ready_token_error;
    std::atomic<OnceFailure> once_failure{OnceFailure::none};
    std::atomic<long> refreshed_users{0}, rejected_users{0};
    TokenBucket bucket;
    KindeManagementClient token_client;
    M2mTokenCache tokens;
    std::mutex backoff_mutex;
    Backoff kinde_backoff;
    std::atomic<long> last_kinde_status{-1};
    RefreshWindow recent;
};

class Worker {
public:
    Worker(Shared &shared, unsigned index);

    void run();

private:
    struct Pushed {
        enum Result { refreshed, rejected, abandoned } result;
        long status;
    };

    // Waits until every standby streaming from the primary has replayed the lease's changes
    // (kinde_claims_changes_lag's "standbys" against the lease's wait_lsn), for at most
    // --replica-wait-ms and never more than half the lease's usable time; past that, calls
    // anyway with a log line and the timeout counted. Then --replica-delay-ms after the lease.
    // False when stopping.
    bool wait_for_replicas(const Lease &lease, Clock::time_point leased_at, Clock::time_point deadline);

    // Sleeps `duration`; false when stopping or when that would pass the lease's deadline.
    bool sleep(Clock::duration duration, Clock::time_point deadline);

    // Waits for this call's turn in the bucket (and out of any 429 pause or back-off). False,
    // with no token taken, when the turn would come after the lease's deadline.
    bool wait_turn(Clock::time_point deadline);

    // Calls refresh_claims for the user until Kinde gives an answer that settles it.
    Pushed push(const LeasedUser &user, Clock::time_point deadline);
    // The call's log line: once a minute for each kind when retrying cannot fix it (a 403, or a
    // 401 with a new token), else every time.
    void log_refresh(const LeasedUser &user, const RefreshAnswer &answer, Clock::time_point started,
                     bool renewed_token);

    // kinde_claims_changes_lease, retried while the feed is unreachable; nothing when stopping.
    std::optional<Lease> take_lease();

    // kinde_claims_changes_done, retried while the feed is unreachable (once only when stopping:
    // an unmarked lease expires, and its changes are pushed again, at least once).
    void record(long long lease_id, const LeasedUser &user, const char *outcome, long status);

    Shared &shared_;
    std::mt19937 random_{std::random_device{}()};
    std::uniform_real_distribution<double> spread_{0.0, 1.0};
    PostgrestClient feed_;
    KindeManagementClient kinde_;
    Backoff feed_backoff_;
    std::string name_;
    unsigned lease_size_ = 1;
};

}  // namespace kinde_claims::shim
