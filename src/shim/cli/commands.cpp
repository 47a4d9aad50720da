#include "cli/commands.hpp"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "common/exit_codes.hpp"
#include "common/json.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "kinde_rules.hpp"
#include "serve/webhook_server.hpp"
#include "sync/sync.hpp"

namespace kinde_claims::shim {
namespace {

// Prints a successful RPC answer as PostgREST sent it (the function's jsonb text, unchanged),
// or the error; returns the exit code.
int report(const RpcResult &result, std::ostream &out, std::ostream &err) {
    if (result.outcome == RpcOutcome::ok) {
        out << result.body << '\n';
        return kExitOk;
    }
    err << "kinde-claims-shim: " << result.message << '\n';
    return exit_code_for(result.outcome);
}

// One line to `err` at a time, as key=value text or as a JSON object.
LogLine log_sink(std::ostream &err, LogFormat format) {
    auto mutex = std::make_shared<std::mutex>();
    return [&err, format, mutex](const std::string &line) {
        std::string written = format == LogFormat::json ? json_log_line(line, std::chrono::system_clock::now()) : line;
        std::lock_guard<std::mutex> lock(*mutex);
        err << written << std::endl;
    };
}

bool user_id_ok(const std::string &user_id, std::ostream &err) {
    if (auto violation = rules::check_kinde_id(user_id)) {
        err << "kinde-claims-shim: " << violation->message << "\n  " << violation->detail << '\n';
        return false;
    }
    return true;
}

}  // namespace

int run_claims(const Invocation &invocation, std::ostream &out, std::ostream &err) {
    if (!user_id_ok(invocation.user_id, err))
        return kExitRejected;
    PostgrestClient client(invocation.client);
    return report(client.get("kinde_claims_for", {{"user_id", invocation.user_id}}), out, err);
}

int run_upsert(const Invocation &invocation, std::ostream &out, std::ostream &err) {
    if (!user_id_ok(invocation.user_id, err))
        return kExitRejected;
    Json arguments(json_pack("{s:s}", "kinde_id", invocation.user_id.c_str()));
    if (invocation.lifetime_subscriber)
        json_object_set_new(arguments.get(), "lifetime_subscriber",
                            json_boolean(*invocation.lifetime_subscriber));
    if (invocation.claims_json) {
        std::string parse_error;
        Json claims = json_parse(*invocation.claims_json, parse_error);
        if (!claims) {
            err << "kinde-claims-shim: --claims is not JSON: " << parse_error << '\n';
            return kExitRejected;
        }
        // The name rules are checked here too so a typo fails before the network; the size
        // limit is the database's setting, so only the database checks it.
        if (!json_is_object(claims.get())) {
            err << "kinde-claims-shim: " << rules::claims_not_object("value that is not an object").message
                << '\n';
            return kExitRejected;
        }
        const char *name;
        json_t *value;
        json_object_foreach(claims.get(), name, value) {
            if (auto violation = rules::check_claim_name(name)) {
                err << "kinde-claims-shim: " << violation->message << "\n  " << violation->detail << '\n';
                return kExitRejected;
            }
        }
        json_object_set(arguments.get(), "claims", claims.get());
    }
    PostgrestClient client(invocation.client);
    return report(client.post("kinde_profile_upsert", json_text(arguments.get())), out, err);
}

sigset_t stop_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    return signals;
}

int run_serve(const Invocation &invocation, std::ostream &out, std::ostream &err) {
    LogLine log = log_sink(err, invocation.log_format);
    Metrics metrics("serve");

    const JwksSource &source = invocation.serve.jwks;
    JwksCache keys(source.kind == JwksSource::Kind::file
                       ? jwks_file_loader(source.location)
                       : jwks_url_loader(source.location, invocation.client.timeouts));
    JwksCache::RefreshResult loaded = keys.load();
    metrics.signing_keys_refresh(loaded.refresh == JwksCache::Refresh::loaded, keys.keys() ? keys.keys()->size() : 0);
    // Without keys the server still starts: webhooks get 503 (Kinde retries) until a load works.
    if (loaded.refresh == JwksCache::Refresh::loaded)
        log("jwks loaded " + loaded.message + " from " + source.location);
    else
        log("jwks load failed: " + loaded.message);

    WebhookServer server(invocation.serve, invocation.client, keys, log, metrics);
    if (std::string error; !server.start(error)) {
        log("kinde-claims-shim: " + error);
        return kExitUnavailable;
    }
    out << "listening on " << invocation.serve.listen_host << ":" << server.port() << std::endl;

    sigset_t signals = stop_signals();
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    log("stopping on signal " + std::to_string(signal_number));
    server.stop();
    return kExitOk;
}

int run_sync(const Invocation &invocation, std::ostream &out, std::ostream &err) {
    LogLine log = log_sink(err, invocation.log_format);
    StopSignal stop;
    std::atomic<bool> loop_ended{false};
    std::thread signals([&stop, &log, &loop_ended] {
        sigset_t signals = stop_signals();
        int signal_number = 0;
        sigwait(&signals, &signal_number);
        if (loop_ended)
            return;  // woken by the loop's end, below
        log("stopping on signal " + std::to_string(signal_number));
        stop.stop();
    });
    int status = run_sync_loop(invocation.sync, invocation.client, stop, log, out);
    // The loop ended on its own (--once, or it could not listen), or on a signal: either way the
    // signal thread is woken so it ends (a second SIGTERM to it is harmless).
    loop_ended = true;
    stop.stop();
    pthread_kill(signals.native_handle(), SIGTERM);
    signals.join();
    return status;
}

int run_command(const Invocation &invocation, std::ostream &out, std::ostream &err) {
    switch (*invocation.command) {
    case Command::claims:
        return run_claims(invocation, out, err);
    case Command::upsert:
        return run_upsert(invocation, out, err);
    case Command::serve:
        return run_serve(invocation, out, err);
    case Command::sync:
        break;
    }
    return run_sync(invocation, out, err);
}

}  // namespace kinde_claims::shim
