#include "sync/sync.hpp"

#include <atomic>
#include <charconv>
#include <cstdio>
#include <memory>
#include <ostream>
#include <random>
#include <thread>

#include "common/backoff.hpp"
#include "common/exit_codes.hpp"
#include "common/json.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "sync/kinde_mgmt_client.hpp"
#include "sync/m2m_token_cache.hpp"
#include "sync/refresh_window.hpp"
#include "sync/sync_health_server.hpp"
#include "sync/token_bucket.hpp"

namespace kinde_claims::shim {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

// Failures of Kinde or of PostgREST are retried with back-off: a ceiling of 0.25 s that doubles
// up to 30 s, each wait drawn from the ceiling's upper half (backoff.hpp).
constexpr milliseconds kBackoffBase{250};
constexpr milliseconds kBackoffCap{30000};

long elapsed_ms(Clock::time_point since) {
    return static_cast<long>(std::chrono::duration_cast<milliseconds>(Clock::now() - since).count());
}

double elapsed_seconds(Clock::time_point since) {
    return std::chrono::duration<double>(Clock::now() - since).count();
}

// What ended a `sync --once` early: the worst failure any worker met.
enum class OnceFailure { none = 0, unavailable = 1, configuration = 2 };

// How often a lease waiting for the standbys asks how far they have replayed, and from how long a
// wait on it is logged even when the standbys caught up.
constexpr milliseconds kReplicaPoll{100};
constexpr milliseconds kReplicaLogAfter{1000};

std::string lsn_text(std::uint64_t lsn) {
    char text[40];
    std::snprintf(text, sizeof text, "%X/%X", static_cast<unsigned>(lsn >> 32), static_cast<unsigned>(lsn & 0xFFFFFFFFu));
    return text;
}

// /ready calls for a token no more often than this, so a wrong secret is not tried on every probe.
constexpr std::chrono::seconds kReadyTokenInterval{10};

// What every worker of one process shares: the throttle, the token, and Kinde's back-off.
struct Shared {
    Shared(const SyncConfig &sync, const ClientConfig &client, StopSignal &stop, LogLine log, Metrics &metrics)
        : sync(sync), client(client), stop(stop), log(std::move(log)), metrics(metrics), bucket(sync.rate, sync.burst),
          token_client(KindeConfig{sync.kinde_url, sync.client_id, sync.client_secret, client.timeouts}),
          tokens([this](M2mTokenFailure &failure) { return fetch_token(failure); }),
          kinde_backoff(kBackoffBase, kBackoffCap) {}

    std::optional<M2mToken> fetch_token(M2mTokenFailure &failure) {
        // Runs under the cache's lock: one fetch at a time, on this one client.
        auto started = Clock::now();
        std::optional<M2mToken> fetched = token_client.fetch_token(failure);
        std::string line = "token outcome=" + std::string(fetched ? "fetched" : "failed");
        if (fetched)
            line += " expires_in=" + std::to_string(fetched->expires_in.count());
        line += " ms=" + std::to_string(elapsed_ms(started));
        if (!fetched) {
            line += log_field("reason", failure.message);
            metrics.m2m_token(failure.unavailable ? "unavailable" : "refused");
            if (!failure.unavailable) {
                // Kinde refused the client id or secret: no retry will change that.
                set_problem(credentials_problem, "Kinde refused the M2M credentials: " + failure.message);
                problem("token", line + " cause=configuration");
                return fetched;
            }
        } else {
            metrics.m2m_token("fetched");
            metrics.m2m_token_expires(std::chrono::system_clock::now() + fetched->expires_in);
            set_problem(credentials_problem, {});
        }
        log(line);
        return fetched;
    }

    // A failure that retrying cannot fix: logged at most once a minute for each kind.
    void problem(const char *kind, const std::string &line) {
        if (std::string admitted = problems.admit(kind, line); !admitted.empty())
            log(admitted);
    }
    void set_problem(std::optional<std::string> &which, std::optional<std::string> value) {
        std::lock_guard<std::mutex> lock(problem_mutex);
        which = std::move(value);
    }
    // sync --once: a failure ends the run; the worst one decides the exit code.
    void fail_once(OnceFailure failure) {
        OnceFailure seen = once_failure.load();
        while (failure > seen && !once_failure.compare_exchange_weak(seen, failure)) {
        }
        stop.stop();
    }

    // Why Kinde's side is not ready (nothing when it is): a refused secret, a missing scope, or
    // no valid token and none to be had now.
    std::optional<NotReady> kinde_not_ready() {
        {
            std::lock_guard<std::mutex> lock(problem_mutex);
            if (credentials_problem)
                return NotReady{"configuration", *credentials_problem};
            if (scope_problem)
                return NotReady{"configuration", *scope_problem};
        }
        // Every recent call refused (401, 403, 404): the wrong Kinde business or environment.
        if (RefreshWindow::Summary summary = recent.summary(); summary.misconfigured())
            return NotReady{"configuration", summary.misconfigured_reason()};
        if (tokens.valid())
            return std::nullopt;
        {
            std::lock_guard<std::mutex> lock(ready_token_mutex);
            if (Clock::now() - ready_token_at < kReadyTokenInterval && ready_token_tried)
                return NotReady{"unavailable", "no valid M2M token: " + ready_token_error};
            ready_token_tried = true;
            ready_token_at = Clock::now();
        }
        M2mTokenFailure failure;
        if (tokens.token(failure))
            return std::nullopt;
        std::lock_guard<std::mutex> lock(ready_token_mutex);
        ready_token_error = failure.message;
        return NotReady{failure.unavailable ? "unavailable" : "configuration",
                        "no valid M2M token: " + failure.message};
    }

    // Kinde failed: every worker waits, for longer after each failure. Workers that fail
    // together (they were all waiting on the same outage) count as one failure.
    void back_off_kinde() {
        if (bucket.pause_left() > Clock::duration::zero())
            return;
        milliseconds delay;
        {
            std::lock_guard<std::mutex> lock(backoff_mutex);
            delay = kinde_backoff.next_delay();
        }
        bucket.pause_until(Clock::now() + delay);
    }
    void kinde_answered(long status) {
        last_kinde_status = status;
        set_problem(scope_problem, {});
        std::lock_guard<std::mutex> lock(backoff_mutex);
        kinde_backoff.reset();
    }

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
    Worker(Shared &shared, unsigned index)
        : shared_(shared), feed_(shared.client, shared.metrics.postgrest_observer()),
          kinde_(KindeConfig{shared.sync.kinde_url, shared.sync.client_id, shared.sync.client_secret,
                             shared.client.timeouts}),
          feed_backoff_(kBackoffBase, kBackoffCap), name_(shared.sync.worker + "#" + std::to_string(index)) {}

    void run() {
        const SyncConfig &sync = shared_.sync;
        StopSignal &stop = shared_.stop;
        Clock::duration usable = usable_lease_time(sync, milliseconds(shared_.client.timeouts.total_ms));
        lease_size_ = lease_size(sync, usable);
        while (!stop.stopped()) {
            // No lease while Kinde is paused: the users stay free for a process that can push.
            if (stop.wait_for(shared_.bucket.pause_left()))
                break;
            Clock::time_point leased_at = Clock::now();
            std::optional<Lease> lease = take_lease();
            if (!lease)
                break;
            if (lease->users.empty()) {
                if (sync.once)
                    break;  // everything this process could lease is pushed
                // Idle workers take turns: each waits about `poll` x concurrency (drawn from half
                // to one and a half times that, so they drift apart), and the process asks the
                // feed about every `poll`. A full batch wakes them all.
                if (stop.idle_for(std::chrono::duration_cast<Clock::duration>(
                        sync.poll * (sync.concurrency * (0.5 + spread_(random_))))))
                    break;
                continue;
            }
            if (lease->users.size() >= lease_size_)
                stop.wake_idle();
            Clock::time_point deadline = leased_at + usable;
            std::size_t next = 0;
            // Kinde rebuilds the token at once, perhaps from a standby: call only once the
            // standbys have the changes (or the wait's bound passed). Stopping: hand them back.
            bool call = wait_for_replicas(*lease, leased_at, deadline);
            for (; call && next < lease->users.size(); ++next) {
                const LeasedUser &user = lease->users[next];
                Pushed pushed = push(user, deadline);
                if (pushed.result == Pushed::abandoned)
                    break;
                (pushed.result == Pushed::refreshed ? shared_.refreshed_users : shared_.rejected_users)++;
                record(lease->lease_id, user, pushed.result == Pushed::refreshed ? "refreshed" : "rejected",
                       pushed.status);
            }
            // Stopping, or out of lease time: hand the rest back so they are leased again now.
            for (; next < lease->users.size(); ++next)
                record(lease->lease_id, lease->users[next], "retry", 0);
        }
    }

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
    bool wait_for_replicas(const Lease &lease, Clock::time_point leased_at, Clock::time_point deadline) {
        const SyncConfig &sync = shared_.sync;
        if (lease.wait_lsn && sync.replica_wait > milliseconds::zero()) {
            Clock::time_point started = Clock::now();
            Clock::time_point bound = std::min(leased_at + std::chrono::duration_cast<Clock::duration>(sync.replica_wait),
                                               leased_at + (deadline - leased_at) / 2);
            std::vector<std::string> behind;
            std::string failure;
            for (;;) {
                RpcResult result = feed_.post("kinde_claims_changes_lag", "{}");
                if (result.outcome == RpcOutcome::ok) {
                    behind = standbys_behind(result.body, *lease.wait_lsn);
                    failure.clear();
                    if (behind.empty())
                        break;
                } else {
                    failure = "the feed (kinde_claims_changes_lag): " + result.message;
                }
                if (Clock::now() >= bound)
                    break;
                if (shared_.stop.wait_for(std::min<Clock::duration>(kReplicaPoll, bound - Clock::now())))
                    return false;
            }
            bool replayed = behind.empty() && failure.empty();
            long waited = elapsed_ms(started);
            shared_.metrics.replica_wait(replayed ? "replayed" : "timeout", elapsed_seconds(started));
            if (!replayed || waited >= kReplicaLogAfter.count()) {
                std::string line = "replica wait outcome=" + std::string(replayed ? "replayed" : "timeout") +
                                   " ms=" + std::to_string(waited) + " lease_id=" + std::to_string(lease.lease_id) +
                                   " users=" + std::to_string(lease.users.size()) +
                                   " wait_lsn=" + lsn_text(*lease.wait_lsn);
                if (!replayed) {
                    std::string standbys;
                    for (const std::string &standby : behind)
                        standbys += (standbys.empty() ? "" : ", ") + standby;
                    line += log_field("behind", failure.empty() ? standbys : failure) + " cause=replica_behind";
                }
                shared_.log(line);
            }
        }
        if (sync.replica_delay > milliseconds::zero()) {
            Clock::duration left = leased_at + sync.replica_delay - Clock::now();
            if (shared_.stop.wait_for(left))
                return false;
        }
        return !shared_.stop.stopped();
    }

    // Sleeps `duration`; false when stopping or when that would pass the lease's deadline.
    bool sleep(Clock::duration duration, Clock::time_point deadline) {
        if (duration <= Clock::duration::zero())
            return !shared_.stop.stopped();
        if (Clock::now() + duration > deadline)
            return false;
        return !shared_.stop.wait_for(duration);
    }

    // Waits for this call's turn in the bucket (and out of any 429 pause or back-off). False,
    // with no token taken, when the turn would come after the lease's deadline.
    bool wait_turn(Clock::time_point deadline) {
        for (;;) {
            if (!sleep(shared_.bucket.pause_left(), deadline))
                return false;
            std::optional<TokenBucket::Turn> turn = shared_.bucket.take(deadline - Clock::now());
            if (!turn)
                return false;
            if (turn->wait > Clock::duration::zero())
                shared_.metrics.throttled("rate");
            if (shared_.stop.wait_for(turn->wait))
                return false;
            // A 429 while it waited voided the turn: queue again once the pause is over.
            if (shared_.bucket.pauses() == turn->pauses)
                return true;
        }
    }

    // Calls refresh_claims for the user until Kinde gives an answer that settles it.
    Pushed push(const LeasedUser &user, Clock::time_point deadline) {
        bool renewed_token = false;
        for (;;) {
            if (!wait_turn(deadline))
                return {Pushed::abandoned, 0};
            M2mTokenFailure failure;
            std::optional<std::string> token = shared_.tokens.token(failure);
            if (!token) {
                if (shared_.sync.once) {
                    shared_.fail_once(failure.unavailable ? OnceFailure::unavailable : OnceFailure::configuration);
                    return {Pushed::abandoned, 0};
                }
                shared_.back_off_kinde();
                continue;
            }
            Clock::time_point started = Clock::now();
            RefreshAnswer answer = kinde_.refresh_claims(user.user_id, *token);
            shared_.metrics.refresh_claims(refresh_outcome_name(answer.outcome), elapsed_seconds(started));
            shared_.recent.add(answer.outcome, answer.status);
            std::string line = "refresh" + log_field("user_id", user.user_id) +
                               " outcome=" + refresh_outcome_name(answer.outcome) +
                               " status=" + std::to_string(answer.status) + " ms=" + std::to_string(elapsed_ms(started)) +
                               " changes=" + std::to_string(user.changes);
            if (!answer.message.empty())
                line += log_field("reason", answer.message);
            bool unfixable = answer.outcome == RefreshOutcome::forbidden ||
                             (answer.outcome == RefreshOutcome::unauthorized && renewed_token);
            if (unfixable)
                shared_.problem(answer.outcome == RefreshOutcome::forbidden ? "scope" : "unauthorized",
                                line + " cause=configuration");
            else
                shared_.log(line);
            switch (answer.outcome) {
            case RefreshOutcome::refreshed:
                shared_.kinde_answered(answer.status);
                return {Pushed::refreshed, answer.status};
            case RefreshOutcome::rejected:
                shared_.kinde_answered(answer.status);
                return {Pushed::rejected, answer.status};
            case RefreshOutcome::unauthorized:
                // A new token at once; a second 401 in a row is a configuration problem: back off.
                shared_.tokens.invalidate(*token);
                if (renewed_token) {
                    shared_.set_problem(shared_.credentials_problem,
                                        "Kinde refused a new M2M token (401): is the application authorized for "
                                        "the Management API?");
                    if (shared_.sync.once) {
                        shared_.fail_once(OnceFailure::configuration);
                        return {Pushed::abandoned, 0};
                    }
                    shared_.back_off_kinde();
                }
                renewed_token = true;
                break;
            case RefreshOutcome::throttled:
                shared_.metrics.throttled("kinde");
                shared_.last_kinde_status = answer.status;
                // Kinde's RateLimit-Reset says how long; without one, the back-off decides.
                if (answer.reset)
                    shared_.bucket.pause_until(Clock::now() + std::max<Clock::duration>(*answer.reset, 100ms));
                else
                    shared_.back_off_kinde();
                break;
            case RefreshOutcome::forbidden:
                shared_.set_problem(shared_.scope_problem,
                                    "Kinde answered 403: the M2M application lacks the scope update:user_refresh_claims");
                [[fallthrough]];
            case RefreshOutcome::unavailable:
                shared_.last_kinde_status = answer.status;
                if (shared_.sync.once) {
                    shared_.fail_once(answer.outcome == RefreshOutcome::forbidden ? OnceFailure::configuration
                                                                                  : OnceFailure::unavailable);
                    return {Pushed::abandoned, 0};
                }
                shared_.back_off_kinde();
                break;
            }
        }
    }

    // kinde_claims_changes_lease, retried while the feed is unreachable; nothing when stopping.
    std::optional<Lease> take_lease() {
        Json arguments(json_pack("{s:s, s:I, s:I}", "worker", name_.c_str(), "max_users",
                                 static_cast<json_int_t>(lease_size_), "lease_seconds",
                                 static_cast<json_int_t>(shared_.sync.lease_seconds)));
        std::string body = json_text(arguments.get());
        while (!shared_.stop.stopped()) {
            RpcResult result = feed_.post("kinde_claims_changes_lease", body);
            std::string error = result.message;
            if (result.outcome == RpcOutcome::ok) {
                if (std::optional<Lease> lease = lease_from(result.body, error)) {
                    feed_backoff_.reset();
                    return lease;
                }
            }
            std::string line = "feed call=lease status=" + std::to_string(result.status) + log_field("reason", error);
            bool unfixable = is_configuration_failure(result);
            if (unfixable)
                shared_.problem("feed", line + " cause=configuration");
            else
                shared_.log(line);
            if (shared_.sync.once) {
                shared_.fail_once(unfixable ? OnceFailure::configuration : OnceFailure::unavailable);
                break;
            }
            if (shared_.stop.wait_for(feed_backoff_.next_delay()))
                break;
        }
        return std::nullopt;
    }

    // kinde_claims_changes_done, retried while the feed is unreachable (once only when stopping:
    // an unmarked lease expires, and its changes are pushed again, at least once).
    void record(long long lease_id, const LeasedUser &user, const char *outcome, long status) {
        Json arguments(json_pack("{s:I, s:s, s:s}", "lease_id", static_cast<json_int_t>(lease_id), "user_id",
                                 user.user_id.c_str(), "outcome", outcome));
        json_object_set_new(arguments.get(), "http_status", status ? json_integer(status) : json_null());
        std::string body = json_text(arguments.get());
        for (;;) {
            RpcResult result = feed_.post("kinde_claims_changes_done", body);
            if (result.outcome == RpcOutcome::ok) {
                feed_backoff_.reset();
                return;
            }
            std::string line = "feed call=done" + log_field("user_id", user.user_id) + " outcome=" + outcome +
                               " status=" + std::to_string(result.status) + log_field("reason", result.message);
            if (is_configuration_failure(result))
                shared_.problem("feed", line + " cause=configuration");
            else
                shared_.log(line);
            if (shared_.sync.once)
                shared_.fail_once(is_configuration_failure(result) ? OnceFailure::configuration
                                                                   : OnceFailure::unavailable);
            // A refusal will not change on retry; the lease expires and the changes come back.
            if (result.outcome == RpcOutcome::rejected || shared_.stop.stopped())
                return;
            if (shared_.stop.wait_for(feed_backoff_.next_delay()))
                return;
        }
    }

    Shared &shared_;
    std::mt19937 random_{std::random_device{}()};
    std::uniform_real_distribution<double> spread_{0.0, 1.0};
    PostgrestClient feed_;
    KindeManagementClient kinde_;
    Backoff feed_backoff_;
    std::string name_;
    unsigned lease_size_ = 1;
};

}  // namespace

void StopSignal::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopped_ = true;
    }
    changed_.notify_all();
}

bool StopSignal::stopped() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stopped_;
}

bool StopSignal::idle_for(std::chrono::steady_clock::duration duration) {
    std::unique_lock<std::mutex> lock(mutex_);
    unsigned long seen = wakeups_;
    changed_.wait_for(lock, duration, [this, seen] { return stopped_ || wakeups_ != seen; });
    return stopped_;
}

void StopSignal::wake_idle() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        ++wakeups_;
    }
    changed_.notify_all();
}

bool StopSignal::wait_for(std::chrono::steady_clock::duration duration) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (duration > std::chrono::steady_clock::duration::zero())
        changed_.wait_for(lock, duration, [this] { return stopped_; });
    return stopped_;
}

std::chrono::steady_clock::duration usable_lease_time(const SyncConfig &sync,
                                                      std::chrono::milliseconds timeout) {
    // Kept clear of the lease's end by the longest call, so a call in flight when the lease
    // expires (and another process takes it) happens only when Kinde is slower than that.
    Clock::duration lease = std::chrono::seconds(sync.lease_seconds);
    return std::max<Clock::duration>(lease / 2, lease - timeout - 1s);
}

unsigned lease_size(const SyncConfig &sync, std::chrono::steady_clock::duration usable) {
    double callable =
        sync.rate * std::chrono::duration<double>(usable).count() / std::max(1u, sync.concurrency);
    if (callable >= sync.batch)
        return sync.batch;
    return std::max(1u, static_cast<unsigned>(callable));
}

std::optional<Lease> lease_from(const std::string &body, std::string &error) {
    Json answer = json_parse(body);
    json_t *users = json_object_get(answer.get(), "users");
    json_t *lease_id = json_object_get(answer.get(), "lease_id");
    if (!json_is_array(users) || !(json_is_integer(lease_id) || (json_is_null(lease_id) && !json_array_size(users)))) {
        error = "kinde_claims_changes_lease answered without a lease_id and a users array";
        return std::nullopt;
    }
    Lease lease;
    lease.lease_id = json_is_integer(lease_id) ? json_integer_value(lease_id) : 0;
    if (json_t *wait_lsn = json_object_get(answer.get(), "wait_lsn"); wait_lsn && !json_is_null(wait_lsn)) {
        lease.wait_lsn = json_is_string(wait_lsn) ? parse_lsn(json_string_value(wait_lsn)) : std::nullopt;
        if (!lease.wait_lsn) {
            error = "kinde_claims_changes_lease answered a wait_lsn that is not an LSN";
            return std::nullopt;
        }
    }
    std::size_t index;
    json_t *user;
    json_array_foreach(users, index, user) {
        auto user_id = json_string_member(user, "user_id");
        json_t *changes = json_object_get(user, "changes");
        if (!user_id || user_id->empty()) {
            error = "kinde_claims_changes_lease answered a user without a user_id";
            return std::nullopt;
        }
        lease.users.push_back({std::string(*user_id), json_is_integer(changes) ? static_cast<long>(json_integer_value(changes)) : 0});
    }
    return lease;
}

std::optional<std::uint64_t> parse_lsn(std::string_view text) {
    std::size_t slash = text.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size() || slash > 8 ||
        text.size() - slash - 1 > 8)
        return std::nullopt;
    std::uint32_t high = 0, low = 0;
    const char *end = text.data() + text.size();
    auto [high_end, high_error] = std::from_chars(text.data(), text.data() + slash, high, 16);
    auto [low_end, low_error] = std::from_chars(text.data() + slash + 1, end, low, 16);
    if (high_error != std::errc() || high_end != text.data() + slash || low_error != std::errc() || low_end != end)
        return std::nullopt;
    return (static_cast<std::uint64_t>(high) << 32) | low;
}

std::vector<std::string> standbys_behind(const std::string &lag_body, std::uint64_t lsn) {
    std::vector<std::string> behind;
    Json answer = json_parse(lag_body);
    json_t *standbys = json_object_get(answer.get(), "standbys");
    std::size_t index;
    json_t *standby;
    json_array_foreach(standbys, index, standby) {
        json_t *replay = json_object_get(standby, "replay_lsn");
        std::optional<std::uint64_t> replayed =
            json_is_string(replay) ? parse_lsn(json_string_value(replay)) : std::nullopt;
        if (replayed && *replayed >= lsn)
            continue;
        auto name = json_string_member(standby, "name");
        auto state = json_string_member(standby, "state");
        behind.push_back((name && !name->empty() ? std::string(*name) : std::string("(unnamed)")) +
                         " state=" + (state ? std::string(*state) : std::string("unknown")) +
                         " replay_lsn=" + (replayed ? lsn_text(*replayed) : std::string("none")));
    }
    return behind;
}

int run_sync_loop(const SyncConfig &sync, const ClientConfig &client, StopSignal &stop, LogLine log,
                  std::ostream &out) {
    Metrics metrics("sync");
    Shared shared(sync, client, stop, std::move(log), metrics);
    std::unique_ptr<SyncHealthServer> health;
    if (sync.listen_host) {
        health = std::make_unique<SyncHealthServer>(
            *sync.listen_host, sync.listen_port, client, metrics, shared.log,
            [&shared] { return shared.last_kinde_status.load(); },
            [&shared] { return shared.kinde_not_ready(); }, &shared.recent);
        if (std::string error; !health->start(error)) {
            shared.log("kinde-claims-shim: " + error);
            return kExitUnavailable;
        }
        out << "listening on " << *sync.listen_host << ":" << health->port() << std::endl;
    }
    shared.log("sync started" + log_field("worker", sync.worker) + " concurrency=" + std::to_string(sync.concurrency) +
               " batch=" + std::to_string(sync.batch) + " lease_seconds=" + std::to_string(sync.lease_seconds) +
               " replica_wait_ms=" + std::to_string(sync.replica_wait.count()) +
               (sync.replica_delay.count() ? " replica_delay_ms=" + std::to_string(sync.replica_delay.count()) : "") +
               log_field("kinde", sync.kinde_url) + (sync.once ? " once=true" : ""));
    if (!sync.once) {
        // The token at once: a refused secret shows in the log and in /ready from the start.
        M2mTokenFailure failure;
        shared.tokens.token(failure);
    }
    std::vector<std::unique_ptr<Worker>> workers;
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < sync.concurrency; ++i) {
        workers.push_back(std::make_unique<Worker>(shared, i));
        threads.emplace_back([worker = workers.back().get()] { worker->run(); });
    }
    // Once a minute, what Kinde answered in it, when anything was called: rejections, throttling
    // and failures show in the log even when each call's own line scrolls by.
    std::thread summary;
    if (!sync.once)
        summary = std::thread([&shared, &stop] {
            while (!stop.wait_for(RefreshWindow::kSummaryInterval)) {
                RefreshWindow::Summary recent = shared.recent.take_report();
                if (recent.total() > 0)
                    shared.log("refresh summary" + recent.log_fields() +
                               (recent.misconfigured() ? " cause=configuration" : ""));
            }
        });
    for (std::thread &thread : threads)
        thread.join();
    if (summary.joinable())
        summary.join();
    if (health)
        health->stop();
    if (!sync.once) {
        shared.log("sync stopped");
        return kExitOk;
    }
    // --once: whether every change was pushed. A failure ended it early; else the feed says
    // whether anything is left (under another process's lease, or written meanwhile).
    OnceFailure failure = shared.once_failure.load();
    long long unpushed = -1;
    if (failure == OnceFailure::none) {
        PostgrestClient feed(client, metrics.postgrest_observer());
        RpcResult lag = feed.post("kinde_claims_changes_lag", "{}");
        Json answer = lag.outcome == RpcOutcome::ok ? json_parse(lag.body) : Json();
        json_t *count = json_object_get(answer.get(), "unpushed");
        if (json_is_integer(count))
            unpushed = json_integer_value(count);
        else
            failure = is_configuration_failure(lag) ? OnceFailure::configuration : OnceFailure::unavailable;
    }
    const char *outcome = failure == OnceFailure::configuration ? "configuration"
                          : failure == OnceFailure::unavailable ? "unavailable"
                          : unpushed == 0                       ? "pushed"
                                                                : "unpushed";
    shared.log("sync once outcome=" + std::string(outcome) + " refreshed=" + std::to_string(shared.refreshed_users.load()) +
               " rejected=" + std::to_string(shared.rejected_users.load()) +
               (unpushed >= 0 ? " unpushed=" + std::to_string(unpushed) : std::string()));
    if (failure == OnceFailure::configuration)
        return kExitConfig;
    return failure == OnceFailure::none && unpushed == 0 ? kExitOk : kExitUnavailable;
}

}  // namespace kinde_claims::shim
