#include "sync/sync_health_server.hpp"

#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <string_view>

#include "common/json.hpp"

namespace kinde_claims::shim {
namespace {

MHD_Result on_request(void *context, MHD_Connection *connection, const char *url, const char *method,
                      const char * /*version*/, const char * /*upload_data*/, size_t *upload_data_size,
                      void ** /*request_state*/) {
    try {
        if (*upload_data_size != 0) {
            *upload_data_size = 0;  // a body we will not read
            return MHD_YES;
        }
        auto *server = static_cast<SyncHealthServer *>(context);
        SyncHealthServer::Answer answer = server->answer(method, url);
        MHD_Response *response = MHD_create_response_from_buffer(
            answer.body.size(), const_cast<char *>(answer.body.data()), MHD_RESPMEM_MUST_COPY);
        if (!response)
            return MHD_NO;
        MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, answer.content_type);
        if (answer.status == MHD_HTTP_METHOD_NOT_ALLOWED)
            MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, "GET");
        MHD_Result queued = MHD_queue_response(connection, answer.status, response);
        MHD_destroy_response(response);
        return queued;
    } catch (...) {
        return MHD_NO;  // no exception may unwind into libmicrohttpd's C frames
    }
}

}  // namespace

SyncHealthServer::SyncHealthServer(std::string host, std::uint16_t port, ClientConfig client, Metrics &metrics,
                                   std::function<long()> last_kinde_status,
                                   std::function<std::optional<NotReady>()> kinde_not_ready,
                                   const RefreshWindow *recent)
    : host_(std::move(host)), port_(port), client_(std::move(client), metrics.postgrest_observer()),
      metrics_(metrics), last_kinde_status_(std::move(last_kinde_status)),
      kinde_not_ready_(std::move(kinde_not_ready)), recent_(recent) {}

SyncHealthServer::~SyncHealthServer() {
    stop();
}

SyncHealthServer::Answer SyncHealthServer::answer(const char *method, const char *path) {
    std::string_view target(path);
    bool known = target == "/healthz" || target == "/live" || target == "/ready" || target == "/metrics";
    if (!known)
        return {MHD_HTTP_NOT_FOUND, "{\"error\":\"not found\"}"};
    if (std::strcmp(method, MHD_HTTP_METHOD_GET) != 0)
        return {MHD_HTTP_METHOD_NOT_ALLOWED, "{\"error\":\"use GET\"}"};
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
    return {MHD_HTTP_OK, metrics_.render(), Metrics::kContentType};
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
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo *found = nullptr;
    if (int status = getaddrinfo(host_.c_str(), nullptr, &hints, &found); status != 0) {
        error = "cannot listen on " + host_ + ": " + gai_strerror(status);
        return false;
    }
    sockaddr_storage address{};
    std::memcpy(&address, found->ai_addr, found->ai_addrlen);
    bool ipv6 = found->ai_family == AF_INET6;
    freeaddrinfo(found);
    if (ipv6)
        reinterpret_cast<sockaddr_in6 *>(&address)->sin6_port = htons(port_);
    else
        reinterpret_cast<sockaddr_in *>(&address)->sin_port = htons(port_);
    // One thread: a health check is one small call at a time.
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | (ipv6 ? MHD_USE_IPv6 : 0);
    daemon_ = MHD_start_daemon(flags, port_, nullptr, nullptr, &on_request, this, MHD_OPTION_SOCK_ADDR,
                               reinterpret_cast<sockaddr *>(&address), MHD_OPTION_CONNECTION_TIMEOUT, 10u,
                               MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_END);
    if (!daemon_) {
        error = "cannot listen on " + host_ + ":" + std::to_string(port_);
        return false;
    }
    const MHD_DaemonInfo *info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
    if (info)
        port_ = info->port;
    return true;
}

void SyncHealthServer::stop() {
    if (daemon_) {
        MHD_stop_daemon(daemon_);
        daemon_ = nullptr;
    }
}

}  // namespace kinde_claims::shim
