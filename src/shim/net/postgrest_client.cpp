#include "net/postgrest_client.hpp"

#include <algorithm>

#include "common/exit_codes.hpp"
#include "common/json.hpp"
#include "kinde_rules.hpp"

namespace kinde_claims::shim {
namespace {

// "PostgREST answered 400 (22023): invalid Kinde user id "x" - A Kinde user id is ... - hint"
std::string error_message(long status, std::string_view body) {
    std::string message = "PostgREST answered " + std::to_string(status);
    Json error = json_parse(body);
    auto field = [&](const char *name) -> std::string {
        auto value = json_string_member(error.get(), name);
        return value ? std::string(*value) : std::string();
    };
    std::string code = field("code");
    std::string text = field("message");
    if (!code.empty())
        message += " (" + code + ")";
    if (!text.empty())
        message += ": " + text;
    for (const char *extra : {"details", "hint"})
        if (std::string value = field(extra); !value.empty())
            message += " - " + value;
    return message;
}

}  // namespace

RpcResult rpc_result_from(const std::optional<HttpResponse> &answer, const std::string &error) {
    if (!answer)
        return {RpcOutcome::unavailable, 0, {}, "no answer from PostgREST: " + error};
    const HttpResponse &response = *answer;
    if (response.status >= 200 && response.status < 300) {
        if (!json_parse(response.body))
            return {RpcOutcome::unexpected, response.status, response.body,
                    "PostgREST answered " + std::to_string(response.status) +
                        " with a body that is not JSON"};
        return {RpcOutcome::ok, response.status, response.body, {}};
    }
    RpcOutcome outcome =
        response.status >= 400 && response.status < 500 ? RpcOutcome::rejected : RpcOutcome::unavailable;
    return {outcome, response.status, response.body, error_message(response.status, response.body)};
}

int exit_code_for(RpcOutcome outcome) {
    switch (outcome) {
    case RpcOutcome::ok:
        return kExitOk;
    case RpcOutcome::rejected:
        return kExitRejected;
    case RpcOutcome::unavailable:
        return kExitUnavailable;
    case RpcOutcome::unexpected:
        break;
    }
    return kExitInternal;
}

PostgrestClient::PostgrestClient(ClientConfig config, Observer observer)
    : config_(std::move(config)), observer_(std::move(observer)), http_(config_.timeouts) {}

RpcResult PostgrestClient::observed(std::string_view function, RpcResult result,
                                    std::chrono::steady_clock::time_point started) const {
    if (observer_)
        observer_(function, result,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    return result;
}

bool check_schema_name(const std::string &name, std::string &error) {
    bool ok = !name.empty() && name.size() <= 63 && name.front() != ' ' && name.back() != ' ' &&
              name.find(',') == std::string::npos &&
              std::none_of(name.begin(), name.end(), [](char c) {
                  auto byte = static_cast<unsigned char>(c);
                  return byte < 0x20 || byte == 0x7f;
              });
    if (!ok)
        error = "a schema name is 1 to 63 bytes, without control characters, commas or spaces at either end";
    return ok;
}

std::vector<std::string> PostgrestClient::headers(bool with_body) const {
    std::vector<std::string> list = {"Accept: application/json"};
    if (with_body)
        list.push_back("Content-Type: application/json");
    // PostgREST looks a function up in the schema the profile header names, else in the first
    // schema of its db-schemas: Accept-Profile for GET and HEAD, Content-Profile for POST.
    if (!config_.schema.empty())
        list.push_back((with_body ? "Content-Profile: " : "Accept-Profile: ") + config_.schema);
    if (!config_.api_key.empty())
        list.push_back("Authorization: Bearer " + config_.api_key);
    // Supabase's API gateway wants a project key in "apikey" before it lets a request through;
    // PostgREST itself ignores the header. As the Kinde workflow does: the gateway key, else the JWT.
    const std::string &apikey = config_.gateway_key.empty() ? config_.api_key : config_.gateway_key;
    if (!apikey.empty())
        list.push_back("apikey: " + apikey);
    return list;
}

RpcResult PostgrestClient::get(std::string_view function,
                               const std::vector<std::pair<std::string, std::string>> &params) {
    auto started = std::chrono::steady_clock::now();
    std::string url = config_.url + "/rpc/" + std::string(function);
    char separator = '?';
    for (const auto &[name, value] : params) {
        url += separator + http_.escape(name) + "=" + http_.escape(value);
        separator = '&';
    }
    std::string error;
    std::optional<HttpResponse> response = http_.get(url, headers(false), error);
    return observed(function, rpc_result_from(response, error), started);
}

RpcResult PostgrestClient::post(std::string_view function, std::string_view json_arguments) {
    auto started = std::chrono::steady_clock::now();
    std::string error;
    std::optional<HttpResponse> response =
        http_.post(config_.url + "/rpc/" + std::string(function), headers(true), json_arguments, error);
    return observed(function, rpc_result_from(response, error), started);
}

}  // namespace kinde_claims::shim
