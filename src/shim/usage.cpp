#include "usage.hpp"

namespace kinde_claims::shim {
namespace {

constexpr const char *kExitCodesText =
    "Exit codes:\n"
    "  0   done\n"
    "  64  usage error: bad flags or arguments, missing configuration\n"
    "  65  rejected: the input broke a rule, or PostgREST answered 4xx\n"
    "  69  unavailable: no answer, a timeout, or PostgREST answered 5xx (try again)\n"
    "  70  PostgREST gave an answer that makes no sense\n";

constexpr const char *kClientText =
    "  --url URL             PostgREST base URL (env KINDE_CLAIMS_URL), e.g.\n"
    "                        https://db.example.com or https://PROJECT.supabase.co/rest/v1\n"
    "  --api-key-file PATH   file holding the JWT to call PostgREST with (env KINDE_CLAIMS_API_KEY\n"
    "                        holds the JWT itself); without one, calls run as the anon role\n"
    "                        (env KINDE_CLAIMS_GATEWAY_KEY: Supabase's project key for the apikey header)\n"
    "  --timeout MS          whole-request timeout in milliseconds (default 5000)\n";

// A command's own text; its client options and the exit codes follow.
const char *command_text(Command command) {
    switch (command) {
    case Command::claims:
        return "Usage: kinde-claims-shim claims USER_ID [--url URL] [--api-key-file PATH] [--timeout MS]\n"
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
        break;
    }
    return "Usage: kinde-claims-shim serve [--listen ADDR:PORT] [--kinde-domain DOMAIN | --jwks-url URL\n"
           "                               | --jwks-file PATH] [--threads N] [--url URL] ...\n"
           "\n"
           "Receives Kinde webhooks on POST /kinde/webhook (that exact target: no other spelling,\n"
           "no query) and applies each verified event with one call, POST /rpc/kinde_webhook_apply.\n"
           "GET /healthz answers 200 when the signing keys are loaded, 503 before.\n"
           "Answers: 200 applied, duplicate, stale or ignored; 400 malformed, or two different\n"
           "Content-Length headers; 401 bad signature or unknown key; 404 any other target; 413\n"
           "larger than 64 KiB; 415 not application/jwt; 503 PostgREST or the database unavailable,\n"
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
           "                        are closed at once. Behind a proxy, the proxy is one client.\n";
}

}  // namespace

std::string usage_text(Command command) {
    return std::string(command_text(command)) + kClientText + "\n" + kExitCodesText;
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
                       "\n"
                       "Run kinde-claims-shim COMMAND --help for a command's options.\n"
                       "\n") +
           kExitCodesText;
}

}  // namespace kinde_claims::shim
