// The two calls `sync` makes to Kinde (FACTS.md §5): the client-credentials request for an M2M
// access token, and POST /api/v1/users/{user_id}/refresh_claims, which makes Kinde build the
// user's next access token afresh. One libcurl handle; give each thread its own client.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "net/http_client.hpp"
#include "sync/m2m_token_cache.hpp"

namespace kinde_claims::shim {

struct KindeConfig {
    std::string url;            // https://<business>.kinde.com (or KINDE_URL), no trailing slash
    std::string client_id;      // the M2M application's
    std::string client_secret;  // never logged, never in an error
    HttpTimeouts timeouts;
};

// What an answer to refresh_claims means for the change it pushes.
enum class RefreshOutcome {
    refreshed,     // 2xx: Kinde's cache for the user is invalidated
    rejected,      // 400, 404 (or another 4xx below): Kinde does not know the user; retrying will not help
    unauthorized,  // 401: the M2M token was refused; fetch a new one
    forbidden,     // 403: the M2M application lacks the scope update:user_refresh_claims
    throttled,     // 429: wait for RateLimit-Reset
    unavailable,   // no answer, a timeout, 408 or 5xx: retry with back-off
};
const char *refresh_outcome_name(RefreshOutcome outcome);

struct RefreshAnswer {
    RefreshOutcome outcome;
    long status;                               // 0: no HTTP answer
    std::optional<std::chrono::seconds> reset;  // 429's RateLimit-Reset, when it is a number
    std::string message;                        // for the log: what went wrong on the way
};

// The meaning of an answer; exposed for unit tests. rate_limit_reset: the header's text, if any.
RefreshAnswer refresh_answer_from(long status, const std::optional<std::string> &rate_limit_reset,
                                  const std::string &transfer_error);
// The token in an answer to the token request (status 0: no answer, transfer_error says why);
// nothing, with `failure` set, when there is none. Exposed for unit tests.
std::optional<M2mToken> m2m_token_from(long status, const std::string &body, const std::string &transfer_error,
                                       M2mTokenFailure &failure);

class KindeManagementClient {
public:
    explicit KindeManagementClient(KindeConfig config);

    // POST <url>/oauth2/token, form-encoded: grant_type=client_credentials, client_id,
    // client_secret, audience=<url>/api.
    std::optional<M2mToken> fetch_token(M2mTokenFailure &failure);
    // POST <url>/api/v1/users/<user_id>/refresh_claims with the bearer token.
    RefreshAnswer refresh_claims(const std::string &user_id, const std::string &access_token);

private:
    KindeConfig config_;
    HttpClient http_;
};

}  // namespace kinde_claims::shim
