// `sync --listen`: GET /healthz answers with the lag of the oldest unpushed change, read from
// kinde_claims_changes_lag through PostgREST at each request; GET /live, /ready and /metrics. The
// connections are net/http_listener's: one thread, at most 16 connections, 10 s per request.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/json.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "net/http_listener.hpp"
#include "net/postgrest_client.hpp"
#include "sync/refresh_window.hpp"

namespace kinde_claims::shim {

// Why a process is not ready: cause "configuration" (retrying will not fix it) or "unavailable".
struct NotReady {
    std::string cause;
    std::string reason;
};

class SyncHealthServer {
public:
    // last_kinde_status: the HTTP status of Kinde's last answer (0: no answer, -1: none yet).
    // kinde_not_ready: why Kinde's side is not ready (no valid M2M token, a refused secret, a
    // missing scope, every recent call refused), nothing when it is. recent: what Kinde answered
    // lately (nullptr: nothing is known, /healthz says ok). `log`: refused and cut connections.
    SyncHealthServer(std::string host, std::uint16_t port, ClientConfig client, Metrics &metrics, LogLine log,
                     std::function<long()> last_kinde_status,
                     std::function<std::optional<NotReady>()> kinde_not_ready,
                     const RefreshWindow *recent = nullptr);
    ~SyncHealthServer();
    SyncHealthServer(const SyncHealthServer &) = delete;
    SyncHealthServer &operator=(const SyncHealthServer &) = delete;

    // Starts listening; false, with `error` set, when it cannot.
    bool start(std::string &error);
    std::uint16_t port() const { return listener_.port(); }
    void stop();

    using Answer = HttpAnswer;
    // {"status":..., "unpushed":N, "oldest_unpushed_at":..., "lag_seconds":S, "kinde_status":N,
    // "window_seconds":300, "calls":{outcome: n, ...}, "last_problem":{...}|null}: 200 with status
    // "ok" (every recent call refreshed its user) or "degraded" (some were rejected, throttled or
    // failed), 503 with "failing" (calls were made and not one refreshed a user); or 503
    // {"status":"feed unavailable", "reason":...} when the feed cannot be read.
    Answer health();
    // 200 {"status":"ready", "unpushed":N, "lag_seconds":S} with a valid M2M token and the feed
    // answering; else 503 {"status":"not ready", "cause":..., "reason":...}.
    Answer ready();
    // The metrics, the feed's lag and unpushed count read afresh.
    Answer metrics();
    // Any request: the route. `path`: percent-decoded, without the query.
    Answer answer(std::string_view method, std::string_view path);

private:
    // kinde_claims_changes_lag's answer (updating the feed's metrics), or nothing with `failure`.
    Json read_lag(RpcResult &failure);

    std::mutex client_mutex_;
    PostgrestClient client_;
    Metrics &metrics_;
    std::function<long()> last_kinde_status_;
    std::function<std::optional<NotReady>()> kinde_not_ready_;
    const RefreshWindow *recent_;
    HttpListener listener_;
};

}  // namespace kinde_claims::shim
