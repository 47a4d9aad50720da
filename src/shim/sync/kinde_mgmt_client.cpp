#include "sync/kinde_mgmt_client.hpp"

#include <algorithm>

#include "common/json.hpp"

namespace kinde_claims::shim {
namespace {

// RateLimit-Reset: "the seconds until the limit resets" (FACTS.md §5), a non-negative integer.
std::optional<std::chrono::seconds> parse_reset(const std::optional<std::string> &text) {
    if (!text || text->empty() || text->size() > 9)
        return std::nullopt;
    long value = 0;
    for (char c : *text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return std::chrono::seconds(value);
}

}  // namespace

const char *refresh_outcome_name(RefreshOutcome outcome) {
    switch (outcome) {
    case RefreshOutcome::refreshed:
        return "refreshed";
    case RefreshOutcome::rejected:
        return "rejected";
    case RefreshOutcome::unauthorized:
        return "unauthorized";
    case RefreshOutcome::forbidden:
        return "forbidden";
    case RefreshOutcome::throttled:
        return "throttled";
    case RefreshOutcome::unavailable:
        break;
    }
    return "unavailable";
}

RefreshAnswer refresh_answer_from(long status, const std::optional<std::string> &rate_limit_reset,
                                  const std::string &transfer_error) {
    RefreshAnswer answer{RefreshOutcome::unavailable, status, std::nullopt, transfer_error};
    if (status >= 200 && status < 300)
        answer.outcome = RefreshOutcome::refreshed;
    else if (status == 401)
        answer.outcome = RefreshOutcome::unauthorized;
    else if (status == 403)
        answer.outcome = RefreshOutcome::forbidden;
    else if (status == 429) {
        answer.outcome = RefreshOutcome::throttled;
        answer.reset = parse_reset(rate_limit_reset);
    } else if (status == 408 || status == 0 || status >= 500)
        answer.outcome = RefreshOutcome::unavailable;
    else if (status >= 400)
        // 400 and 404 are Kinde's answers for a user it does not know; another 4xx would come
        // again on every retry, so it is recorded the same way instead of blocking the feed.
        answer.outcome = RefreshOutcome::rejected;
    else
        answer.message = "unexpected status " + std::to_string(status);  // 1xx, 3xx: retried
    return answer;
}

std::optional<M2mToken> m2m_token_from(long status, const std::string &body, const std::string &transfer_error,
                                       M2mTokenFailure &failure) {
    if (status == 0) {
        failure = {"no answer from Kinde's token endpoint: " + transfer_error, true};
        return std::nullopt;
    }
    Json answer = json_parse(body);
    if (status < 200 || status >= 300) {
        failure = {"Kinde's token endpoint answered " + std::to_string(status),
                   status == 408 || status == 429 || status >= 500};
        // OAuth's error code ("invalid_client", ...) names the problem and holds no secret.
        if (auto code = json_string_member(answer.get(), "error"); code && code->size() <= 64)
            failure.message += " (" + std::string(*code) + ")";
        return std::nullopt;
    }
    auto token = json_string_member(answer.get(), "access_token");
    json_t *expires_in = json_object_get(answer.get(), "expires_in");
    // The token goes into an Authorization header: a control byte or space in it could split
    // the header, so only visible ASCII is taken.
    bool visible = token && std::all_of(token->begin(), token->end(), [](char c) { return c > 0x20 && c < 0x7f; });
    if (!token || token->empty() || !visible || !json_is_integer(expires_in) || json_integer_value(expires_in) <= 0) {
        failure = {"Kinde's token endpoint answered " + std::to_string(status) +
                       " without a usable access_token and a positive expires_in",
                   true};
        return std::nullopt;
    }
    return M2mToken{std::string(*token), std::chrono::seconds(json_integer_value(expires_in))};
}

KindeManagementClient::KindeManagementClient(KindeConfig config)
    : config_(std::move(config)), http_(config_.timeouts) {}

std::optional<M2mToken> KindeManagementClient::fetch_token(M2mTokenFailure &failure) {
    std::string form = "grant_type=client_credentials&client_id=" + http_.escape(config_.client_id) +
                       "&client_secret=" + http_.escape(config_.client_secret) +
                       "&audience=" + http_.escape(config_.url + "/api");
    std::string error;
    std::optional<HttpResponse> response = http_.post(
        config_.url + "/oauth2/token", {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"},
        form, error);
    return m2m_token_from(response ? response->status : 0, response ? response->body : std::string(), error, failure);
}

RefreshAnswer KindeManagementClient::refresh_claims(const std::string &user_id, const std::string &access_token) {
    std::string error;
    std::optional<HttpResponse> response =
        http_.post(config_.url + "/api/v1/users/" + http_.escape(user_id) + "/refresh_claims",
                   {"Accept: application/json", "Authorization: Bearer " + access_token}, "", error);
    return refresh_answer_from(response ? response->status : 0, http_.response_header("RateLimit-Reset"), error);
}

}  // namespace kinde_claims::shim
