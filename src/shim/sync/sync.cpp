#include "sync/sync.hpp"

#include <memory>
#include <ostream>
#include <thread>

#include "common/exit_codes.hpp"
#include "common/json.hpp"
#include "sync/sync_worker.hpp"

namespace kinde_claims::shim {
namespace {

// The end of `sync --once`: its outcome line and exit code. Whether every change was pushed: a
// failure ended it early; else the feed says whether anything is left (under another process's
// lease, or written meanwhile).
int finish_once(Shared &shared, const ClientConfig &client, Metrics &metrics) {
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
    return finish_once(shared, client, metrics);
}

}  // namespace kinde_claims::shim
