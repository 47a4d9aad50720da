#include "common/config.hpp"

#include <getopt.h>

#include <algorithm>
#include <cstdlib>
#include <map>

namespace kinde_claims::shim {
namespace {

// A command's name, what it takes besides options, and its options (each takes a value).
// Adding a command: a row here, a step that reads its settings, and a case in parse_invocation.
struct CommandSpec {
    Command command;
    const char *name;
    bool takes_user_id;
    std::vector<const char *> flags;
    std::vector<const char *> switches = {};  // options that take no value
};

const std::vector<CommandSpec> &command_specs() {
    static const std::vector<CommandSpec> specs = {
        {Command::claims, "claims", true, {"url", "api-key-file", "timeout", "schema"}},
        {Command::upsert,
         "upsert",
         true,
         {"url", "api-key-file", "timeout", "schema", "lifetime-subscriber", "claims"}},
        {Command::serve,
         "serve",
         false,
         {"url", "api-key-file", "timeout", "schema", "listen", "kinde-domain", "jwks-url", "jwks-file", "threads",
          "request-timeout", "max-connections", "max-connections-per-client", "log-format",
          "failopen-secret-file", "state-dir", "failopen-max-users", "failopen-hold-ms"}},
        {Command::sync,
         "sync",
         false,
         {"url", "api-key-file", "timeout", "schema", "listen", "kinde-domain", "kinde-url", "m2m-client-id",
          "m2m-client-secret-file", "concurrency", "rate", "burst", "batch", "lease-seconds", "poll-ms", "worker",
          "log-format", "replica-wait-ms", "replica-delay-ms"},
         {"once"}},
    };
    return specs;
}

// A command line before any value in it is checked.
struct CommandLine {
    std::map<std::string, std::string> flags;  // by name without "--"; the last one given wins
    std::vector<std::string> operands;
    bool help = false;
    bool version = false;

    std::optional<std::string> flag(const char *name) const {
        auto found = flags.find(name);
        if (found == flags.end())
            return std::nullopt;
        return found->second;
    }
};

// "HOST:PORT" or "[V6ADDR]:PORT"; PORT may be 0 (any free port).
bool parse_listen(const std::string &text, ServeConfig &serve) {
    std::string host, port;
    if (!text.empty() && text[0] == '[') {
        std::size_t close = text.find("]:");
        if (close == std::string::npos)
            return false;
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        std::size_t colon = text.rfind(':');
        if (colon == std::string::npos || text.find(':') != colon)
            return false;
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    if (host.empty())
        return false;
    long port_number = 0;
    if (port != "0") {
        auto parsed = parse_positive(port, 65535);
        if (!parsed)
            return false;
        port_number = *parsed;
    }
    serve.listen_host = host;
    serve.listen_port = static_cast<std::uint16_t>(port_number);
    return true;
}

// Step 1: the options and operands after the command name, each option one of the command's.
std::optional<CommandLine> read_command_line(const std::vector<std::string> &args, const CommandSpec &spec,
                                             std::string &error) {
    constexpr int kHelp = 'h', kVersion = 'V', kFirstFlag = 1000, kFirstSwitch = 2000;
    std::vector<option> options = {{"help", no_argument, nullptr, kHelp},
                                   {"version", no_argument, nullptr, kVersion}};
    for (std::size_t i = 0; i < spec.flags.size(); ++i)
        options.push_back({spec.flags[i], required_argument, nullptr, kFirstFlag + static_cast<int>(i)});
    for (std::size_t i = 0; i < spec.switches.size(); ++i)
        options.push_back({spec.switches[i], no_argument, nullptr, kFirstSwitch + static_cast<int>(i)});
    options.push_back({nullptr, 0, nullptr, 0});

    // getopt_long takes any unambiguous prefix ("--api-key" for "--api-key-file"); only whole
    // names are accepted here, so a mistyped flag is an error rather than a different flag.
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string &arg = args[i];
        if (arg == "--")
            break;
        if (arg.rfind("--", 0) != 0)
            continue;
        std::string flag =
            arg.substr(2, arg.find('=') == std::string::npos ? std::string::npos : arg.find('=') - 2);
        const option *known = nullptr;
        for (const option &candidate : options)
            if (candidate.name && flag == candidate.name)
                known = &candidate;
        if (!known) {
            error = "unknown option --" + flag + " for " + spec.name;
            return std::nullopt;
        }
        if (known->has_arg == no_argument && arg.find('=') != std::string::npos) {
            error = "--" + flag + " takes no value";
            return std::nullopt;
        }
        if (known->has_arg == required_argument && arg.find('=') == std::string::npos)
            ++i;
    }

    std::vector<std::string> storage(args.begin(), args.end());
    std::vector<char *> argv;
    for (std::string &arg : storage)
        argv.push_back(arg.data());
    argv.push_back(nullptr);

    CommandLine line;
    optind = 0;  // glibc: start afresh, so the parser can run more than once per process
    opterr = 0;
    int argc = static_cast<int>(argv.size() - 1);
    for (;;) {
        int option_index = 0;
        int option = getopt_long(argc, argv.data(), ":h", options.data(), &option_index);
        if (option == -1)
            break;
        if (option == kHelp) {
            line.help = true;
        } else if (option == kVersion) {
            line.version = true;
        } else if (option >= kFirstSwitch) {
            line.flags[spec.switches[option - kFirstSwitch]] = "true";
        } else if (option >= kFirstFlag) {
            line.flags[spec.flags[option - kFirstFlag]] = optarg ? optarg : "";
        } else if (option == ':') {
            error = std::string(argv[optind - 1]) + " needs a value";
            return std::nullopt;
        } else {
            error = "unknown option " + std::string(argv[optind - 1]) + " for " + spec.name;
            return std::nullopt;
        }
    }
    // argv[0] is the command itself; getopt_long skipped it as a program name would be.
    for (int i = optind; i < argc; ++i)
        line.operands.emplace_back(argv[i]);
    return line;
}

// Step 2: the operands.
bool read_operands(const CommandLine &line, const CommandSpec &spec, Invocation &invocation,
                   std::string &error) {
    if (!spec.takes_user_id) {
        if (!line.operands.empty()) {
            error = std::string(spec.name) + " takes no arguments, only options";
            return false;
        }
        return true;
    }
    if (line.operands.size() != 1) {
        error = std::string(spec.name) + " takes exactly one USER_ID";
        return false;
    }
    invocation.user_id = line.operands[0];
    return true;
}

// Step 3, every command: where PostgREST is and what to call it with.
bool read_client(const CommandLine &line, const Environment &env, ClientConfig &client, std::string &error) {
    if (auto timeout = line.flag("timeout")) {
        auto ms = parse_positive(*timeout, 600000);
        if (!ms) {
            error = "--timeout takes milliseconds, 1 to 600000";
            return false;
        }
        client.timeouts.total_ms = *ms;
        client.timeouts.connect_ms = std::min(*ms, client.timeouts.connect_ms);
    }

    std::optional<std::string> url = line.flag("url");
    if (!url)
        url = env("KINDE_CLAIMS_URL");
    if (!url) {
        error = "no PostgREST URL: set KINDE_CLAIMS_URL or pass --url";
        return false;
    }
    if (url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0) {
        error = "the PostgREST URL must start with http:// or https://";
        return false;
    }
    client.url = without_trailing_slashes(*url);

    if (auto api_key_file = line.flag("api-key-file")) {
        auto key = read_secret_file(*api_key_file, "API key", error);
        if (!key)
            return false;
        client.api_key = *key;
    } else if (auto key = env("KINDE_CLAIMS_API_KEY")) {
        client.api_key = trim_line_end(*key);
    }
    std::optional<std::string> schema = line.flag("schema");
    if (!schema)
        schema = env("KINDE_CLAIMS_SCHEMA");
    if (schema) {
        if (!check_schema_name(*schema, error)) {
            error = "--schema / KINDE_CLAIMS_SCHEMA: " + error;
            return false;
        }
        client.schema = *schema;
    }
    if (auto gateway_key = env("KINDE_CLAIMS_GATEWAY_KEY"))
        client.gateway_key = trim_line_end(*gateway_key);
    if (client.api_key.find_first_of("\r\n") != std::string::npos ||
        client.gateway_key.find_first_of("\r\n") != std::string::npos) {
        error = "an API key must be one line";
        return false;
    }
    return true;
}

// Step 4, serve and sync: how log lines are written.
bool read_log_format(const CommandLine &line, LogFormat &format, std::string &error) {
    std::optional<std::string> value = line.flag("log-format");
    if (!value || *value == "text") {
        format = LogFormat::text;
    } else if (*value == "json") {
        format = LogFormat::json;
    } else {
        error = "--log-format takes text or json";
        return false;
    }
    return true;
}

// Step 4, upsert: what to change.
bool read_upsert(const CommandLine &line, Invocation &invocation, std::string &error) {
    if (auto lifetime = line.flag("lifetime-subscriber")) {
        if (*lifetime != "true" && *lifetime != "false") {
            error = "--lifetime-subscriber takes true or false";
            return false;
        }
        invocation.lifetime_subscriber = *lifetime == "true";
    }
    invocation.claims_json = line.flag("claims");
    return true;
}

// Step 4, serve: where to listen, with how many threads, and the limits on connections.
bool read_serve(const CommandLine &line, ServeConfig &serve, std::string &error) {
    if (auto listen = line.flag("listen"); listen && !parse_listen(*listen, serve)) {
        error = "--listen takes ADDR:PORT, such as 127.0.0.1:8080 or [::1]:8080";
        return false;
    }
    if (auto threads_flag = line.flag("threads")) {
        auto threads = parse_positive(*threads_flag, 64);
        if (!threads) {
            error = "--threads takes a number from 1 to 64";
            return false;
        }
        serve.threads = static_cast<unsigned>(*threads);
    }
    ConnectionLimits &limits = serve.limits;
    if (auto timeout = line.flag("request-timeout")) {
        auto seconds = parse_positive(*timeout, 600);
        if (!seconds) {
            error = "--request-timeout takes seconds, 1 to 600";
            return false;
        }
        limits.request_timeout = std::chrono::seconds(*seconds);
    }
    if (auto max = line.flag("max-connections")) {
        auto connections = parse_positive(*max, 10000);
        if (!connections) {
            error = "--max-connections takes a number from 1 to 10000";
            return false;
        }
        limits.max_connections = static_cast<unsigned>(*connections);
    }
    if (auto max = line.flag("max-connections-per-client")) {
        auto connections = parse_positive(*max, 10000);
        if (!connections) {
            error = "--max-connections-per-client takes a number from 1 to 10000";
            return false;
        }
        limits.max_connections_per_client = static_cast<unsigned>(*connections);
    }
    if (limits.max_connections_per_client > limits.max_connections) {
        error = "--max-connections-per-client cannot be more than --max-connections (" +
                std::to_string(limits.max_connections) + ")";
        return false;
    }
    return true;
}

// Step 4b, serve: the workflow's fail-open reports. The secret from a file or the environment,
// never a flag; the state directory from the flag or systemd's STATE_DIRECTORY.
bool read_failopen(const CommandLine &line, const Environment &env, ServeConfig &serve, std::string &error) {
    if (auto secret_file = line.flag("failopen-secret-file")) {
        auto secret = read_secret_file(*secret_file, "fail-open secret", error);
        if (!secret)
            return false;
        serve.failopen_secret = *secret;
    } else if (auto secret = env("KINDE_CLAIMS_FAILOPEN_SECRET")) {
        serve.failopen_secret = trim_line_end(*secret);
    }
    if (!serve.failopen_secret.empty() && serve.failopen_secret.size() < 32) {
        error = "the fail-open secret must be at least 32 characters";
        return false;
    }
    if (auto dir = line.flag("state-dir"))
        serve.state_dir = *dir;
    else if (auto systemd_dir = env("STATE_DIRECTORY"))
        serve.state_dir = systemd_dir->substr(0, systemd_dir->find(':'));
    if (auto max = line.flag("failopen-max-users")) {
        auto users = parse_positive(*max, 10000000);
        if (!users) {
            error = "--failopen-max-users takes a number from 1 to 10000000";
            return false;
        }
        serve.failopen_max_users = static_cast<std::size_t>(*users);
    }
    if (auto hold = line.flag("failopen-hold-ms")) {
        auto ms = parse_positive(*hold, 600000);
        if (!ms) {
            error = "--failopen-hold-ms takes milliseconds, 1 to 600000";
            return false;
        }
        serve.failopen_hold_ms = static_cast<unsigned>(*ms);
    }
    return true;
}

// Step 5, serve: where the keys that sign Kinde's webhooks come from. Flags first, then the
// environment; within each, a file before a URL before a domain.
bool read_jwks_source(const CommandLine &line, const Environment &env, JwksSource &jwks, std::string &error) {
    std::optional<std::string> file = line.flag("jwks-file"), url = line.flag("jwks-url"),
                               domain = line.flag("kinde-domain");
    if (!file && !url && !domain) {
        file = env("KINDE_JWKS_FILE");
        url = env("KINDE_JWKS_URL");
        domain = env("KINDE_DOMAIN");
    }
    if (file) {
        jwks = {JwksSource::Kind::file, *file};
    } else if (url) {
        if (!check_jwks_url(*url, error))
            return false;
        jwks = {JwksSource::Kind::url, *url};
    } else if (domain) {
        auto domain_url = jwks_url_for_domain(*domain);
        if (!domain_url) {
            error = "KINDE_DOMAIN / --kinde-domain takes a host name such as myapp.kinde.com";
            return false;
        }
        jwks = {JwksSource::Kind::url, *domain_url};
    } else {
        error =
            "no signing keys: set KINDE_DOMAIN (or KINDE_JWKS_URL, KINDE_JWKS_FILE) or pass --kinde-domain";
        return false;
    }
    return true;
}

// Step 4, sync: where Kinde is, the M2M credentials, how hard to push, and where /healthz is.
bool read_sync(const CommandLine &line, const Environment &env, SyncConfig &sync, std::string &error) {
    if (auto listen = line.flag("listen")) {
        ServeConfig address;
        if (!parse_listen(*listen, address)) {
            error = "--listen takes ADDR:PORT, such as 127.0.0.1:8081 or [::1]:8081";
            return false;
        }
        sync.listen_host = address.listen_host;
        sync.listen_port = address.listen_port;
    }
    SyncFlags flags;
    flags.kinde_domain = line.flag("kinde-domain");
    flags.kinde_url = line.flag("kinde-url");
    flags.client_id = line.flag("m2m-client-id");
    flags.client_secret_file = line.flag("m2m-client-secret-file");
    flags.worker = line.flag("worker");
    flags.concurrency = line.flag("concurrency");
    flags.rate = line.flag("rate");
    flags.burst = line.flag("burst");
    flags.batch = line.flag("batch");
    flags.lease_seconds = line.flag("lease-seconds");
    flags.poll_ms = line.flag("poll-ms");
    flags.replica_wait_ms = line.flag("replica-wait-ms");
    flags.replica_delay_ms = line.flag("replica-delay-ms");
    sync.once = line.flag("once").has_value();
    return resolve_sync_config(flags, env, sync, error);
}

}  // namespace

Environment process_environment() {
    return [](const std::string &name) -> std::optional<std::string> {
        const char *value = std::getenv(name.c_str());
        if (!value || !*value)
            return std::nullopt;
        return std::string(value);
    };
}

std::optional<Invocation> parse_invocation(const std::vector<std::string> &args, const Environment &env,
                                           std::string &error) {
    Invocation invocation;
    if (args.empty()) {
        error = "no command given";
        return std::nullopt;
    }
    const std::string &name = args[0];
    if (name == "--help" || name == "-h" || name == "help") {
        invocation.help = true;
        return invocation;
    }
    if (name == "--version") {
        invocation.version = true;
        return invocation;
    }
    auto spec = std::find_if(command_specs().begin(), command_specs().end(),
                             [&name](const CommandSpec &candidate) { return name == candidate.name; });
    if (spec == command_specs().end()) {
        error = "unknown command \"" + name + "\"";
        return std::nullopt;
    }
    invocation.command = spec->command;

    std::optional<CommandLine> line = read_command_line(args, *spec, error);
    if (!line)
        return std::nullopt;
    if (line->help) {
        invocation.help = true;
        return invocation;
    }
    if (line->version) {
        invocation.version = true;
        return invocation;
    }
    if (!read_operands(*line, *spec, invocation, error) || !read_client(*line, env, invocation.client, error))
        return std::nullopt;
    switch (spec->command) {
    case Command::claims:
        break;
    case Command::upsert:
        if (!read_upsert(*line, invocation, error))
            return std::nullopt;
        break;
    case Command::serve:
        if (!read_log_format(*line, invocation.log_format, error) || !read_serve(*line, invocation.serve, error) ||
            !read_failopen(*line, env, invocation.serve, error) || !read_jwks_source(*line, env, invocation.serve.jwks, error))
            return std::nullopt;
        break;
    case Command::sync:
        if (!read_log_format(*line, invocation.log_format, error) || !read_sync(*line, env, invocation.sync, error))
            return std::nullopt;
        break;
    }
    return invocation;
}

}  // namespace kinde_claims::shim
