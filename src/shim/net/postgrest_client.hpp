// The RPC calls to PostgREST (or Supabase's /rest/v1), and what their answers mean.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/http_client.hpp"

namespace kinde_claims::shim {

struct ClientConfig {
    std::string url;          // base URL, no trailing slash: https://db.example.com or .../rest/v1
    std::string api_key;      // a JWT for PostgREST's role switch; empty: call as the anon role
    std::string gateway_key;  // Supabase's gateway "apikey" header; empty: the api_key again
    HttpTimeouts timeouts;
    std::string schema;  // the exposed schema holding the API (profile header); empty: PostgREST's first
};

enum class RpcOutcome {
    ok,           // 2xx with a JSON body
    rejected,     // 4xx: the input or the caller was refused
    unavailable,  // no answer, a timeout, or 5xx: try again later
    unexpected,   // an answer PostgREST would not give (2xx that is not JSON)
};

struct RpcResult {
    RpcOutcome outcome;
    long status;          // HTTP status, 0 when there was no answer
    std::string body;     // the JSON body as sent (the function's value on success)
    std::string message;  // one line for a person: PostgREST's message, code, detail and hint
};

class PostgrestClient {
public:
    // Told of every call made: the function, its result and how long it took (for the metrics).
    using Observer = std::function<void(std::string_view function, const RpcResult &result, double seconds)>;

    explicit PostgrestClient(ClientConfig config, Observer observer = {});

    // GET /rpc/<function>?name=value... (a READ ONLY transaction: the token path).
    RpcResult get(std::string_view function, const std::vector<std::pair<std::string, std::string>> &params);
    // POST /rpc/<function> with a JSON object of named arguments.
    RpcResult post(std::string_view function, std::string_view json_arguments);

private:
    std::vector<std::string> headers(bool with_body) const;
    RpcResult observed(std::string_view function, RpcResult result,
                       std::chrono::steady_clock::time_point started) const;

    ClientConfig config_;
    Observer observer_;
    HttpClient http_;
};

// A schema name PostgREST can expose: 1 to 63 bytes (Postgres's NAMEDATALEN - 1), no control
// characters (a header value), no comma and no space at either end (its db-schemas list is split
// on commas and each name trimmed). False, with `error` set, for any other name.
bool check_schema_name(const std::string &name, std::string &error);

// How a script should read a result: kExitOk, kExitRejected, kExitUnavailable or kExitInternal.
int exit_code_for(RpcOutcome outcome);

// An HTTP answer (or none, with the error on the way), classified; exposed for unit tests.
RpcResult rpc_result_from(const std::optional<HttpResponse> &response, const std::string &error);

}  // namespace kinde_claims::shim
