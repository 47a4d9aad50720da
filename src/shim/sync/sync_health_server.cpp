#include "sync/sync_health_server.hpp"

#include <microhttpd.h>

#include <cstring>
#include <string_view>

#include "common/json.hpp"

namespace kinde_claims::shim {
namespace {

// A health check is one small call at a time.
ListenConfig listen_config(std::string host, std::uint16_t port) {
    ListenConfig config;
    config.host = std::move(host);
    config.port = port;
    config.threads = 1;
    config.limits = ConnectionLimits{16, 16, std::chrono::seconds(10)};
    return config;
}

}  // namespace

SyncHealthServer::SyncHealthServer(std::string host, std::uint16_t port, ClientConfig client,
                                   Metrics &metrics, LogLine log, std::function<long()> last_kinde_status,
                                   std::function<std::optional<NotReady>()> kinde_not_ready,
                                   const RefreshWindow *recent)
    : client_(std::move(client), metrics.postgrest_observer()), metrics_(metrics),
      last_kinde_status_(std::move(last_kinde_status)), kinde_not_ready_(std::move(kinde_not_ready)),
      recent_(recent),
      listener_(listen_config(std::move(host), port),
                HttpListener::Routes{
                    [](std::string_view, std::string_view) { return false; },
                    [this](const HttpRequest &request) { return answer(request.method, request.path); },
                    [](std::string_view, std::string_view, unsigned status, const std::string &reason) {
                        Json body(json_pack("{s:s}", "error", reason.c_str()));
                        return Answer{status, json_text(body.get())};
                    }},
                std::move(log), metrics) {}

SyncHealthServer::~SyncHealthServer() {
    stop();
}

SyncHealthServer::Answer SyncHealthServer::answer(std::string_view method, std::string_view target) {
    bool known = target == "/healthz" || target == "/live" || target == "/ready" || target == "/metrics";
    if (!known)
        return {MHD_HTTP_NOT_FOUND, "{\"error\":\"not found\"}"};
    if (method != MHD_HTTP_METHOD_GET)
        return {MHD_HTTP_METHOD_NOT_ALLOWED, "{\"error\":\"use GET\"}", 0, "application/json", "GET"};
    if (target == "/healthz")
        return health();
    if (target == "/live")
        return {MHD_HTTP_OK, "{\"status\":\"live\"}"};
    if (target == "/ready")
        return ready();
    return metrics();
}

Json SyncHealthServer::read_lag(RpcResult &result) {
    {
        std::lock_guard<std::mutex> lock(client_mutex_);
        result = client_.post("kinde_claims_changes_lag", "{}");
    }
    Json lag = result.outcome == RpcOutcome::ok ? json_parse(result.body) : Json();
    if (!json_is_object(lag.get()))
        return Json();
    json_t *unpushed = json_object_get(lag.get(), "unpushed");
    json_t *seconds = json_object_get(lag.get(), "lag_seconds");
    metrics_.feed(json_is_number(unpushed) ? json_number_value(unpushed) : 0,
                  json_is_number(seconds) ? json_number_value(seconds) : 0);
    return lag;
}

SyncHealthServer::Answer SyncHealthServer::metrics() {
    RpcResult ignored;
    read_lag(ignored);  // when the feed cannot be read, the gauges keep their last values
    return {MHD_HTTP_OK, metrics_.render(), 0, Metrics::kContentType};
}

SyncHealthServer::Answer SyncHealthServer::ready() {
    auto not_ready = [this](const std::string &cause, const std::string &reason) {
        metrics_.ready(false);
        Json body(json_pack("{s:s, s:s, s:s}", "status", "not ready", "cause", cause.c_str(), "reason",
                            reason.c_str()));
        return Answer{MHD_HTTP_SERVICE_UNAVAILABLE, json_text(body.get())};
    };
    RpcResult result;
    Json lag = read_lag(result);
    if (!lag)
        return not_ready(is_configuration_failure(result) ? "configuration" : "unavailable",
                         "the feed (kinde_claims_changes_lag): " +
                             (result.message.empty() ? std::string("did not answer an object") : result.message));
    if (std::optional<NotReady> kinde = kinde_not_ready_())
        return not_ready(kinde->cause, kinde->reason);
    metrics_.ready(true);
    Json body(json_pack("{s:s, s:O, s:O}", "status", "ready", "unpushed",
                        json_object_get(lag.get(), "unpushed") ? json_object_get(lag.get(), "unpushed") : json_null(),
                        "lag_seconds",
                        json_object_get(lag.get(), "lag_seconds") ? json_object_get(lag.get(), "lag_seconds")
                                                                  : json_null()));
    return {MHD_HTTP_OK, json_text(body.get())};
}

SyncHealthServer::Answer SyncHealthServer::health() {
    RpcResult result;
    Json lag = read_lag(result);
    if (!lag) {
        Json body(json_pack("{s:s, s:s}", "status", "feed unavailable", "reason",
                            result.message.empty() ? "kinde_claims_changes_lag did not answer an object"
                                                   : result.message.c_str()));
        return {MHD_HTTP_SERVICE_UNAVAILABLE, json_text(body.get())};
    }
    // The lag alone says nothing of calls Kinde refused: a rejected change is no longer unpushed.
    RefreshWindow::Summary recent = recent_ ? recent_->summary() : RefreshWindow::Summary{};
    const char *status = recent.health();
    json_object_set_new(lag.get(), "status", json_string(status));
    json_object_set_new(lag.get(), "kinde_status", json_integer(last_kinde_status_()));
    if (recent_)
        json_object_update(lag.get(), recent.json().get());
    unsigned code = std::strcmp(status, "failing") == 0 ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_OK;
    return {code, json_text(lag.get())};
}

bool SyncHealthServer::start(std::string &error) {
    return listener_.start(error);
}

void SyncHealthServer::stop() {
    listener_.stop();
}

}  // namespace kinde_claims::shim
