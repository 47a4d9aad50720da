#include "sync/sync_worker.hpp"

namespace kinde_claims::shim {
namespace {

using std::chrono::milliseconds;

// /ready calls for a token no more often than this, so a wrong secret is not tried on every probe.
constexpr std::chrono::seconds kReadyTokenInterval{10};

}  // namespace

Shared::Shared(const SyncConfig &sync, const ClientConfig &client, StopSignal &stop, LogLine log,
               Metrics &metrics)
    : sync(sync), client(client), stop(stop), log(std::move(log)), metrics(metrics),
      bucket(sync.rate, sync.burst),
      token_client(KindeConfig{sync.kinde_url, sync.client_id, sync.client_secret, client.timeouts}),
      tokens([this](M2mTokenFailure &failure) { return fetch_token(failure); }),
      kinde_backoff(kBackoffBase, kBackoffCap) {}

std::optional<M2mToken> Shared::fetch_token(M2mTokenFailure &failure) {
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

void Shared::problem(const char *kind, const std::string &line) {
    if (std::string admitted = problems.admit(kind, line); !admitted.empty())
        log(admitted);
}

void Shared::set_problem(std::optional<std::string> &which, std::optional<std::string> value) {
    std::lock_guard<std::mutex> lock(problem_mutex);
    which = std::move(value);
}

void Shared::fail_once(OnceFailure failure) {
    OnceFailure seen = once_failure.load();
    while (failure > seen && !once_failure.compare_exchange_weak(seen, failure)) {
    }
    stop.stop();
}

std::optional<NotReady> Shared::kinde_not_ready() {
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

void Shared::back_off_kinde() {
    if (bucket.pause_left() > Clock::duration::zero())
        return;
    milliseconds delay;
    {
        std::lock_guard<std::mutex> lock(backoff_mutex);
        delay = kinde_backoff.next_delay();
    }
    bucket.pause_until(Clock::now() + delay);
}

void Shared::kinde_answered(long status) {
    last_kinde_status = status;
    set_problem(scope_problem, {});
    std::lock_guard<std::mutex> lock(backoff_mutex);
    kinde_backoff.reset();
}

}  // namespace kinde_claims::shim
