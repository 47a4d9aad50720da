// `sync`: reads the claims history feed through PostgREST (kinde_claims_changes_*) and, for
// each user whose token changed, calls Kinde's refresh_claims so the user's next access token
// is built afresh (FACTS.md §5). At least once: entries are marked pushed only after Kinde
// answered, and a lease that is never marked (a crash) expires and is leased again.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <condition_variable>
#include <functional>
#include <iosfwd>
#include <mutex>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "net/postgrest_client.hpp"
#include "sync/sync_config.hpp"

namespace kinde_claims::shim {

// Set once, by the signal handler thread; sleepers wake at once. Also wakes idle workers when
// one of them found more work than it can take.
class StopSignal {
public:
    void stop();
    bool stopped() const;
    // Sleeps for `duration` or until stopped; true when stopped.
    bool wait_for(std::chrono::steady_clock::duration duration);
    // Sleeps for `duration`, until stopped, or until wake_idle(); true when stopped.
    bool idle_for(std::chrono::steady_clock::duration duration);
    void wake_idle();

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool stopped_ = false;
    unsigned long wakeups_ = 0;
};

// One user of a lease, as kinde_claims_changes_lease returns it.
struct LeasedUser {
    std::string user_id;
    long changes = 0;
};
struct Lease {
    long long lease_id = 0;
    std::vector<LeasedUser> users;  // empty: nothing to push
    // An LSN past the commit of every leased change (0.8.0): a standby that has replayed up to
    // it serves them. Nothing from an older extension.
    std::optional<std::uint64_t> wait_lsn;
};
// A pg_lsn's text ("16/B374D848") as a number; nothing for anything else.
std::optional<std::uint64_t> parse_lsn(std::string_view text);
// An LSN as pg_lsn's text ("16/B374D848"), for log lines.
std::string lsn_text(std::uint64_t lsn);
// The standbys of kinde_claims_changes_lag's answer (0.8.0: "standbys") that have not replayed
// up to `lsn`, one "NAME state=STATE replay_lsn=LSN" each; an answer without the list has none.
std::vector<std::string> standbys_behind(const std::string &lag_body, std::uint64_t lsn);
// The lease from kinde_claims_changes_lease's answer; nothing (with `error`) for a malformed one.
std::optional<Lease> lease_from(const std::string &body, std::string &error);

// How long a worker may push the users of one lease: the lease, less the longest call and a
// second (at least half the lease).
std::chrono::steady_clock::duration usable_lease_time(const SyncConfig &sync,
                                                      std::chrono::milliseconds timeout);
// Users per lease: --batch, but no more than one worker can call in `usable` at its share of
// --rate (at least 1). A bigger lease would keep users from another process only to hand them
// back when its time runs out.
unsigned lease_size(const SyncConfig &sync, std::chrono::steady_clock::duration usable);

// Runs until `stop`: `concurrency` workers, each leasing and pushing its own users, and the
// /healthz server when configured. Returns the exit code.
int run_sync_loop(const SyncConfig &sync, const ClientConfig &client, StopSignal &stop, LogLine log,
                  std::ostream &out);

}  // namespace kinde_claims::shim
