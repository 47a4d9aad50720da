#include "cli/usage.hpp"

namespace kinde_claims::shim {
namespace {

// Each command's own exit codes: only those it can return.
constexpr const char *kCallExitCodesText =
    "Exit codes:\n"
    "  0   done\n"
    "  64  usage error: bad flags or arguments, missing configuration\n"
    "  65  rejected: the input broke a rule, or PostgREST answered 4xx\n"
    "  69  unavailable: no answer, a timeout, or PostgREST answered 5xx (try again)\n"
    "  70  PostgREST gave an answer that makes no sense\n";

constexpr const char *kServeExitCodesText =
    "Exit codes:\n"
    "  0   stopped by SIGINT or SIGTERM\n"
    "  64  usage error: bad flags or arguments, missing configuration\n"
    "  69  unavailable: cannot listen on the address\n";

constexpr const char *kSyncExitCodesText =
    "Exit codes:\n"
    "  0   stopped by SIGINT or SIGTERM; with --once, every change was pushed\n"
    "  64  usage error: bad flags or arguments, missing configuration\n"
    "  69  unavailable: cannot listen on the address; with --once, changes are left unpushed\n"
    "      because PostgREST, the database or Kinde did not answer (run it again)\n"
    "  78  with --once: configuration, which retrying cannot fix: PostgREST answered 401, 403\n"
    "      or 404 (the key, a grant, the function), or Kinde refused the M2M credentials or\n"
    "      the scope\n"
    "Without --once, sync never exits for a failure once it runs: it backs off, /ready\n"
    "answers 503 naming the cause, and a failure retrying cannot fix is logged once a minute.\n";

// The overview's: every code any command returns.
constexpr const char *kAllExitCodesText =
    "Exit codes (each command's --help lists its own):\n"
    "  0   done\n"
    "  64  usage error: bad flags or arguments, missing configuration\n"
    "  65  claims, upsert: rejected: the input broke a rule, or PostgREST answered 4xx\n"
    "  69  unavailable: no answer, a timeout, PostgREST answered 5xx, or cannot listen\n"
    "  70  claims, upsert: PostgREST gave an answer that makes no sense\n"
    "  78  sync --once: configuration that retrying cannot fix\n";

const char *exit_codes_text(Command command) {
    switch (command) {
    case Command::claims:
    case Command::upsert:
        return kCallExitCodesText;
    case Command::serve:
        return kServeExitCodesText;
    case Command::sync:
        break;
    }
    return kSyncExitCodesText;
}

constexpr const char *kCommonText =
    "  --version             print the version and exit\n"
    "  --help                print this and exit\n";

constexpr const char *kLogFormatText =
    "  --log-format text|json\n"
    "                        log lines as key=value text (default) or one JSON object per line\n";

constexpr const char *kClientText =
    "  --url URL             PostgREST base URL (env KINDE_CLAIMS_URL), e.g.\n"
    "                        https://db.example.com or https://PROJECT.supabase.co/rest/v1\n"
    "  --api-key-file PATH   file holding the JWT to call PostgREST with (env KINDE_CLAIMS_API_KEY\n"
    "                        holds the JWT itself); without one, calls run as the anon role\n"
    "                        (env KINDE_CLAIMS_GATEWAY_KEY: Supabase's project key for the apikey header)\n"
    "  --timeout MS          whole-request timeout in milliseconds (default 5000)\n"
    "  --schema NAME         the schema PostgREST exposes the API in (env KINDE_CLAIMS_SCHEMA),\n"
    "                        sent as Accept-Profile (GET) and Content-Profile (POST); without\n"
    "                        it, PostgREST uses the first schema of its db-schemas\n";

const char *serve_text();

// A command's own text; its client options and the exit codes follow.
const char *command_text(Command command) {
    switch (command) {
    case Command::claims:
        return "Usage: kinde-claims-shim claims USER_ID [--url URL] [--api-key-file PATH] [--timeout MS]\n"
               "                              [--schema NAME]\n"
               "\n"
               "Prints the custom claims of a Kinde user as JSON: exactly what the Kinde token\n"
               "workflow gets from its one call, GET /rpc/kinde_claims_for?user_id=USER_ID.\n"
               "An unknown user gets the defaults, {\"lifetime_subscriber\": false}.\n"
               "\n";
    case Command::upsert:
        return "Usage: kinde-claims-shim upsert USER_ID [--lifetime-subscriber true|false]\n"
               "                              [--claims JSON] [--url URL] [--api-key-file PATH]\n"
               "\n"
               "Creates or updates a profile with one call, POST /rpc/kinde_profile_upsert, and\n"
               "prints the claims its token will carry. A value not given is kept.\n"
               "\n"
               "  --lifetime-subscriber true|false\n"
               "  --claims JSON         a JSON object; replaces the custom claims\n";
    case Command::serve:
        return serve_text();
    case Command::sync:
        break;
    }
    return "Usage: kinde-claims-shim sync [--kinde-domain DOMAIN | --kinde-url URL] [--m2m-client-id ID]\n"
           "                              [--m2m-client-secret-file PATH] [--listen ADDR:PORT] ...\n"
           "\n"
           "Tells Kinde when a user's token claims changed: reads the claims history feed\n"
           "(POST /rpc/kinde_claims_changes_lease, .../kinde_claims_changes_done) and calls Kinde's\n"
           "POST /api/v1/users/USER_ID/refresh_claims once per changed user, with an M2M token from\n"
           "POST /oauth2/token. Runs until SIGINT or SIGTERM. One log line per call on stderr.\n"
           "Kinde 5xx or no answer: retried with back-off; 429: waits RateLimit-Reset; 401: a new\n"
           "token, once; 400/404: recorded as rejected. With --listen, GET /healthz answers 200\n"
           "with the lag of the oldest unpushed change, 503 when the feed cannot be read; GET /live\n"
           "200 while the process runs; GET /ready 200 with a valid M2M token and the feed\n"
           "answering, else 503 naming the cause; GET /metrics, Prometheus' text format.\n"
           "The PostgREST key below is the JWT of the role kinde_sync; --timeout applies to Kinde too.\n"
           "\n"
           "  --kinde-domain DOMAIN your Kinde domain, the API at https://DOMAIN (env KINDE_DOMAIN)\n"
           "  --kinde-url URL       Kinde's base URL itself; http only on loopback (env KINDE_URL)\n"
           "  --m2m-client-id ID    the M2M application's client id (env KINDE_M2M_CLIENT_ID)\n"
           "  --m2m-client-secret-file PATH\n"
           "                        file holding its secret (env KINDE_M2M_CLIENT_SECRET holds the\n"
           "                        secret itself); the application needs the scope\n"
           "                        update:user_refresh_claims\n"
           "  --listen ADDR:PORT    serve GET /healthz, /live, /ready and /metrics there (port 0\n"
           "                        picks one)\n"
           "  --once                push every unpushed change, then exit (see the exit codes)\n"
           "  --concurrency N       worker threads, each leasing its own users (default 4)\n"
           "  --rate N              calls to Kinde per second, on average (default 20)\n"
           "  --burst N             calls at once before the rate applies (default 20)\n"
           "  --batch N             users per lease (default 20; fewer when a worker could not\n"
           "                        call them all within a lease at its share of --rate)\n"
           "  --lease-seconds N     how long a lease holds its users (default 30)\n"
           "  --poll-ms N           how often an idle process asks the feed (default 250)\n"
           "  --worker NAME         this process's name in the leases (default HOST:PID)\n"
           "  --replica-wait-ms N   wait at most N ms for every standby streaming from the primary to\n"
           "                        replay a lease's changes before calling Kinde (default 10000;\n"
           "                        0: no wait)\n"
           "  --replica-delay-ms N  call a change no sooner than N ms after it was leased, for\n"
           "                        replicas the primary cannot see (default 0)\n";
}

const char *serve_text() {
    return "Usage: kinde-claims-shim serve [--listen ADDR:PORT] [--kinde-domain DOMAIN | --jwks-url URL\n"
           "                               | --jwks-file PATH] [--threads N] [--url URL] ...\n"
           "\n"
           "Receives Kinde webhooks on POST /kinde/webhook (that exact target: no other spelling,\n"
           "no query) and applies each verified event with one call, POST /rpc/kinde_webhook_apply.\n"
           "GET /healthz answers 200 when the signing keys are loaded, 503 before. GET /live answers\n"
           "200 while the process runs; GET /ready 200 when the keys are loaded and PostgREST answers\n"
           "with the configured key, else 503 naming the cause (configuration: PostgREST answered\n"
           "401, 403 or 404; unavailable: no answer or 5xx); GET /metrics, Prometheus' text format.\n"
           "Answers: 200 applied, duplicate, stale or ignored; 400 malformed, or two different\n"
           "Content-Length headers; 401 bad signature or unknown key; 404 any other target; 413\n"
           "larger than 64 KiB; 415 not application/jwt; 503 PostgREST or the database unavailable,\n"
           "PostgREST refusing our key, grant or function (401/403/404, logged cause=configuration),\n"
           "or the event dated more than 5 minutes ahead (with Retry-After). Kinde retries non-200.\n"
           "\n"
           "  --listen ADDR:PORT    where to listen (default 127.0.0.1:8080; port 0 picks one)\n"
           "  --kinde-domain DOMAIN your Kinde domain, keys from https://DOMAIN/.well-known/jwks.json\n"
           "                        (env KINDE_DOMAIN)\n"
           "  --jwks-url URL        the JWKS URL itself (env KINDE_JWKS_URL)\n"
           "  --jwks-file PATH      a JWKS file, read again when an unknown kid arrives (env\n"
           "                        KINDE_JWKS_FILE); used first, then the URL, then the domain\n"
           "  --threads N           request threads, each with its own connection (default 4)\n"
           "  --request-timeout S   seconds to receive a request's headers and body, whole; a\n"
           "                        connection that has not sent one by then is closed (default 10)\n"
           "  --max-connections N   open connections, all clients together (default 256)\n"
           "  --max-connections-per-client N\n"
           "                        open connections from one client address (default 32); more\n"
           "                        are closed at once. Behind a proxy, the proxy is one client.\n"
           "With a fail-open secret, POST /kinde/failopen?user_id=USER_ID[&org_code=ORG] with\n"
           "Authorization: Bearer SECRET queues a user the token workflow issued a token without\n"
           "claims for (202; 401 without the secret; 503 when the queue is full), and once the\n"
           "database answers records them (POST /rpc/kinde_claims_failopen_record) so that sync\n"
           "has Kinde rebuild their tokens.\n"
           "  --failopen-secret-file PATH\n"
           "                        file holding that secret, at least 32 characters (env\n"
           "                        KINDE_CLAIMS_FAILOPEN_SECRET holds it itself); none: no endpoint\n"
           "  --state-dir DIR       where the queue is kept across restarts, DIR/failopen.jsonl (env\n"
           "                        STATE_DIRECTORY, as systemd sets it); none: in memory only\n"
           "  --failopen-max-users N\n"
           "                        users the queue holds; more are dropped and counted (default 100000)\n"
           "  --failopen-hold-ms MS how long a report waits before it is recorded, so that Kinde has\n"
           "                        cached the token it is about (default 3000)\n";
}

}  // namespace

std::string usage_text(Command command) {
    bool logs = command == Command::serve || command == Command::sync;
    return std::string(command_text(command)) + (logs ? kLogFormatText : "") + kClientText + kCommonText + "\n" +
           exit_codes_text(command);
}

std::string usage_text() {
    return std::string("Usage: kinde-claims-shim COMMAND [OPTIONS]\n"
                       "\n"
                       "The network edge of kinde_claims: PostgREST RPC calls out, Kinde webhooks in.\n"
                       "\n"
                       "Commands:\n"
                       "  claims USER_ID        print a user's token claims (the token workflow's call)\n"
                       "  upsert USER_ID ...    create or update a profile\n"
                       "  serve                 receive Kinde webhooks and keep profiles in step\n"
                       "  sync                  tell Kinde whose token claims changed (refresh_claims)\n"
                       "\n"
                       "Run kinde-claims-shim COMMAND --help for a command's options,\n"
                       "kinde-claims-shim --version for the version.\n"
                       "\n") +
           kAllExitCodesText;
}

}  // namespace kinde_claims::shim
