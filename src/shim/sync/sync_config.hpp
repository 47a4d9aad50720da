// What `sync` needs besides the PostgREST client: where Kinde is, the M2M credentials, and how
// hard to push. Secrets come from the environment or a file, never a flag.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace kinde_claims::shim {

struct SyncConfig {
    std::string kinde_url;      // https://DOMAIN, or KINDE_URL; no trailing slash
    std::string client_id;      // KINDE_M2M_CLIENT_ID
    std::string client_secret;  // KINDE_M2M_CLIENT_SECRET or --m2m-client-secret-file
    std::string worker;         // this process's name in the leases (default HOST:PID)
    unsigned concurrency = 4;   // worker threads, each leasing its own users
    double rate = 20;           // refresh_claims calls per second, on average (token bucket)
    unsigned burst = 20;        // calls at once before the rate applies
    unsigned batch = 20;        // users per lease
    unsigned lease_seconds = 30;
    std::chrono::milliseconds poll{250};  // wait after an empty lease
    // --replica-wait-ms: how long a lease waits at most for every standby streaming from the
    // primary to replay its changes before Kinde is called (0: no wait). Past it, sync calls
    // anyway, logs it and counts it.
    std::chrono::milliseconds replica_wait{10000};
    // --replica-delay-ms: how long after its lease a change is called at the earliest, for
    // replicas the primary cannot see (cascading standbys, another replication system).
    std::chrono::milliseconds replica_delay{0};
    // --once: push what is unpushed and exit, with a code saying whether all of it was pushed
    bool once = false;
    // --listen: serve GET /healthz, /live, /ready and /metrics there
    std::optional<std::string> listen_host;
    std::uint16_t listen_port = 0;
};

// The sync flags as given, before they are checked; filled by parse_invocation.
struct SyncFlags {
    std::optional<std::string> kinde_domain, kinde_url, client_id, client_secret_file, worker;
    std::optional<std::string> concurrency, rate, burst, batch, lease_seconds, poll_ms, replica_wait_ms,
        replica_delay_ms;
};

// Checks the flags, takes what is missing from the environment (via `env`) and reads the secret
// file. False, with `error` set to one line for the person running it (never quoting a secret),
// when something is missing or wrong.
bool resolve_sync_config(const SyncFlags &flags,
                         const std::function<std::optional<std::string>(const std::string &)> &env,
                         SyncConfig &config, std::string &error);

}  // namespace kinde_claims::shim
