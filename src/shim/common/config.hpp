// The command line and the environment, turned into what one command needs. Flags win over
// environment variables. The API key comes from the environment or a file, never a flag, so it
// does not show in `ps`; nothing here is ever printed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/config_values.hpp"
#include "common/errors.hpp"  // the error convention parse_invocation follows
#include "common/log.hpp"
#include "net/connection_guard.hpp"
#include "net/postgrest_client.hpp"
#include "sync/sync_config.hpp"

namespace kinde_claims::shim {

enum class Command { claims, upsert, serve, sync };

struct JwksSource {
    enum class Kind { none, file, url };
    Kind kind = Kind::none;
    std::string location;  // a path or an https URL
};

struct ServeConfig {
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 8080;  // 0: any free port (printed when listening)
    unsigned threads = 4;
    ConnectionLimits limits;
    JwksSource jwks;
    // The workflow's fail-open reports (POST /kinde/failopen, docs/workflow.md): off while no
    // secret is set. The queue's file lives in `state_dir` (memory only when empty).
    std::string failopen_secret;
    std::string state_dir;
    std::size_t failopen_max_users = 100000;
    unsigned failopen_hold_ms = 3000;
};

struct Invocation {
    std::optional<Command> command;  // nothing only for `--help` without a command
    bool help = false;
    bool version = false;                     // --version: print it and exit 0
    LogFormat log_format = LogFormat::text;   // serve, sync: --log-format text|json
    std::string user_id;                      // claims, upsert
    std::optional<bool> lifetime_subscriber;  // upsert
    std::optional<std::string> claims_json;   // upsert
    ClientConfig client;
    ServeConfig serve;
    SyncConfig sync;
};

// Looks up an environment variable; std::getenv in the program, a map in tests.
using Environment = std::function<std::optional<std::string>(const std::string &name)>;
Environment process_environment();

// args excludes the program name: {"claims", "kp_1", "--url", "..."}. On a usage error (exit 64)
// returns nothing and sets `error`.
std::optional<Invocation> parse_invocation(const std::vector<std::string> &args, const Environment &env,
                                           std::string &error);

}  // namespace kinde_claims::shim
