#include "sync/sync_config.hpp"

#include <unistd.h>

#include <sstream>

#include "common/config_values.hpp"

namespace kinde_claims::shim {

namespace {

using Env = std::function<std::optional<std::string>(const std::string &)>;

bool fail(std::string &error, std::string message) {
    error = std::move(message);
    return false;
}

// The counts and durations: each within its range, whole where it must be.
bool read_sync_numbers(const SyncFlags &flags, SyncConfig &config, std::string &error) {
    struct Count {
        const std::optional<std::string> &text;
        const char *flag;
        double min, max;
        const char *unit;
    };
    auto number = [&error](const Count &count, double &out) {
        if (!count.text)
            return true;
        auto value = parse_number(*count.text, count.min, count.max);
        if (!value) {
            std::ostringstream message;
            message << count.flag << " takes " << count.unit << ", " << count.min << " to " << count.max;
            return fail(error, message.str());
        }
        out = *value;
        return true;
    };
    double concurrency = config.concurrency, burst = config.burst, batch = config.batch,
           lease = config.lease_seconds, poll = static_cast<double>(config.poll.count()),
           replica_wait = static_cast<double>(config.replica_wait.count()),
           replica_delay = static_cast<double>(config.replica_delay.count());
    for (auto [count, out] : {std::pair{Count{flags.concurrency, "--concurrency", 1, 64, "a whole number"}, &concurrency},
                              {Count{flags.rate, "--rate", 0.1, 10000, "calls per second"}, &config.rate},
                              {Count{flags.burst, "--burst", 1, 10000, "a whole number"}, &burst},
                              {Count{flags.batch, "--batch", 1, 1000, "a whole number of users"}, &batch},
                              {Count{flags.lease_seconds, "--lease-seconds", 5, 3600, "seconds"}, &lease},
                              {Count{flags.poll_ms, "--poll-ms", 10, 60000, "milliseconds"}, &poll},
                              {Count{flags.replica_wait_ms, "--replica-wait-ms", 0, 600000, "milliseconds"},
                               &replica_wait},
                              {Count{flags.replica_delay_ms, "--replica-delay-ms", 0, 600000, "milliseconds"},
                               &replica_delay}}) {
        if (!number(count, *out))
            return false;
    }
    for (auto [value, flag] : {std::pair{concurrency, "--concurrency"}, {burst, "--burst"}, {batch, "--batch"},
                               {lease, "--lease-seconds"}, {poll, "--poll-ms"}, {replica_wait, "--replica-wait-ms"},
                               {replica_delay, "--replica-delay-ms"}}) {
        if (value != static_cast<double>(static_cast<long>(value)))
            return fail(error, std::string(flag) + " takes a whole number");
    }
    config.concurrency = static_cast<unsigned>(concurrency);
    config.burst = static_cast<unsigned>(burst);
    config.batch = static_cast<unsigned>(batch);
    config.lease_seconds = static_cast<unsigned>(lease);
    config.poll = std::chrono::milliseconds(static_cast<long>(poll));
    config.replica_wait = std::chrono::milliseconds(static_cast<long>(replica_wait));
    config.replica_delay = std::chrono::milliseconds(static_cast<long>(replica_delay));
    // A lease's calls must fit in what is left of it after the delay.
    if (config.replica_delay > std::chrono::seconds(config.lease_seconds) / 2)
        return fail(error, "--replica-delay-ms must be at most half of --lease-seconds");
    return true;
}

// Where Kinde is: a flag first, then the environment; a URL before a domain.
bool read_kinde_url(const SyncFlags &flags, const Env &env, SyncConfig &config, std::string &error) {
    std::optional<std::string> url = flags.kinde_url, domain = flags.kinde_domain;
    if (!url && !domain) {
        url = env("KINDE_URL");
        domain = env("KINDE_DOMAIN");
    }
    if (url) {
        std::string trimmed = without_trailing_slashes(*url);
        // check_jwks_url's rule, the same for any Kinde URL: https, or http on loopback only.
        std::string url_error;
        if (!check_jwks_url(trimmed + "/", url_error) || trimmed.find_first_of("?#@ ") != std::string::npos)
            return fail(error, "KINDE_URL / --kinde-url takes an https URL (http only on the loopback interface), "
                               "without a query or credentials");
        config.kinde_url = trimmed;
    } else if (domain) {
        auto from_domain = kinde_url_for_domain(*domain);
        if (!from_domain)
            return fail(error, "KINDE_DOMAIN / --kinde-domain takes a host name such as myapp.kinde.com");
        config.kinde_url = *from_domain;
    } else {
        return fail(error, "no Kinde domain: set KINDE_DOMAIN (or KINDE_URL) or pass --kinde-domain");
    }
    return true;
}

// The M2M application's id and secret (the secret from a file or the environment, never a flag).
bool read_m2m_credentials(const SyncFlags &flags, const Env &env, SyncConfig &config, std::string &error) {
    std::optional<std::string> client_id = flags.client_id ? flags.client_id : env("KINDE_M2M_CLIENT_ID");
    if (!client_id || client_id->empty())
        return fail(error, "no M2M client id: set KINDE_M2M_CLIENT_ID or pass --m2m-client-id");
    config.client_id = *client_id;

    if (flags.client_secret_file) {
        auto secret = read_secret_file(*flags.client_secret_file, "M2M client secret", error);
        if (!secret)
            return false;
        config.client_secret = *secret;
    } else if (auto secret = env("KINDE_M2M_CLIENT_SECRET")) {
        config.client_secret = trim_line_end(*secret);
    }
    if (config.client_secret.empty())
        return fail(error, "no M2M client secret: set KINDE_M2M_CLIENT_SECRET or pass --m2m-client-secret-file");
    if (config.client_secret.find_first_of("\r\n") != std::string::npos ||
        config.client_id.find_first_of("\r\n") != std::string::npos)
        return fail(error, "the M2M client id and secret must be one line each");
    return true;
}

// This process's name in the leases: --worker, else HOST:PID.
bool read_worker(const SyncFlags &flags, SyncConfig &config, std::string &error) {
    if (flags.worker) {
        if (flags.worker->empty() || flags.worker->size() > 100)
            return fail(error, "--worker takes a name of 1 to 100 characters");
        config.worker = *flags.worker;
    } else {
        char host[256] = {};
        gethostname(host, sizeof host - 1);
        config.worker = std::string(host).substr(0, 80) + ":" + std::to_string(getpid());
    }
    return true;
}

}  // namespace

bool resolve_sync_config(const SyncFlags &flags, const Env &env, SyncConfig &config, std::string &error) {
    return read_sync_numbers(flags, config, error) && read_kinde_url(flags, env, config, error) &&
           read_m2m_credentials(flags, env, config, error) && read_worker(flags, config, error);
}

}  // namespace kinde_claims::shim
