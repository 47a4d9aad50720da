#include "sync/sync_worker.hpp"

namespace kinde_claims::shim {
namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;

// How often a lease waiting for the standbys asks how far they have replayed, and from how long a
// wait on it is logged even when the standbys caught up.
constexpr milliseconds kReplicaPoll{100};
constexpr milliseconds kReplicaLogAfter{1000};

}  // namespace

bool Worker::wait_for_replicas(const Lease &lease, Clock::time_point leased_at, Clock::time_point deadline) {
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

bool Worker::sleep(Clock::duration duration, Clock::time_point deadline) {
    if (duration <= Clock::duration::zero())
        return !shared_.stop.stopped();
    if (Clock::now() + duration > deadline)
        return false;
    return !shared_.stop.wait_for(duration);
}

bool Worker::wait_turn(Clock::time_point deadline) {
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

Worker::Pushed Worker::push(const LeasedUser &user, Clock::time_point deadline) {
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
        log_refresh(user, answer, started, renewed_token);
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

void Worker::log_refresh(const LeasedUser &user, const RefreshAnswer &answer, Clock::time_point started,
                         bool renewed_token) {
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
}

}  // namespace kinde_claims::shim
