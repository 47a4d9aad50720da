// `sync --listen`: GET /healthz answers with the lag of the oldest unpushed change, read from
// kinde_claims_changes_lag through PostgREST at each request.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "postgrest_client.hpp"

struct MHD_Daemon;

namespace kinde_claims::shim {

class SyncHealthServer {
public:
    // last_kinde_status: the HTTP status of Kinde's last answer (0: no answer, -1: none yet).
    SyncHealthServer(std::string host, std::uint16_t port, ClientConfig client, std::function<long()> last_kinde_status);
    ~SyncHealthServer();
    SyncHealthServer(const SyncHealthServer &) = delete;
    SyncHealthServer &operator=(const SyncHealthServer &) = delete;

    // Starts listening; false, with `error` set, when it cannot.
    bool start(std::string &error);
    std::uint16_t port() const { return port_; }
    void stop();

    struct Answer {
        unsigned status;
        std::string body;
    };
    // 200 {"status":"ok", "unpushed":N, "oldest_unpushed_at":..., "lag_seconds":S, "kinde_status":N},
    // or 503 {"status":"feed unavailable", "reason":...} when the feed cannot be read.
    Answer health();

private:
    std::string host_;
    std::uint16_t port_;
    std::mutex client_mutex_;
    PostgrestClient client_;
    std::function<long()> last_kinde_status_;
    MHD_Daemon *daemon_ = nullptr;
};

}  // namespace kinde_claims::shim
