#include "sync/sync_worker.hpp"

#include "common/json.hpp"

namespace kinde_claims::shim {
namespace {

using std::chrono::milliseconds;

}  // namespace

Worker::Worker(Shared &shared, unsigned index)
    : shared_(shared), feed_(shared.client, shared.metrics.postgrest_observer()),
      kinde_(KindeConfig{shared.sync.kinde_url, shared.sync.client_id, shared.sync.client_secret,
                         shared.client.timeouts}),
      feed_backoff_(kBackoffBase, kBackoffCap), name_(shared.sync.worker + "#" + std::to_string(index)) {}

void Worker::run() {
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

std::optional<Lease> Worker::take_lease() {
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

void Worker::record(long long lease_id, const LeasedUser &user, const char *outcome, long status) {
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

}  // namespace kinde_claims::shim
