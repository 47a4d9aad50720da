#include "webhook_server.hpp"

#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include "json.hpp"
#include "webhook_handler.hpp"

namespace kinde_claims::shim {
namespace {

constexpr const char *kWebhookPath = "/kinde/webhook";
constexpr const char *kHealthPath = "/healthz";
constexpr unsigned kConnectionTimeoutSeconds = 30;
constexpr unsigned kConnectionLimit = 256;

// One request's body as it arrives, capped at kMaxWebhookBytes.
struct Upload {
    std::string body;
    bool too_large = false;
};

std::string error_body(const std::string &reason) {
    Json body(json_pack("{s:s}", "error", reason.c_str()));
    return body ? json_text(body.get()) : "{\"error\":\"error\"}";
}

MHD_Result send(MHD_Connection *connection, unsigned status, const std::string &body,
                const char *allow = nullptr) {
    MhdResponse response(
        MHD_create_response_from_buffer(body.size(), const_cast<char *>(body.data()), MHD_RESPMEM_MUST_COPY));
    if (!response)
        return MHD_NO;
    MHD_add_response_header(response.get(), MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    if (allow)
        MHD_add_response_header(response.get(), MHD_HTTP_HEADER_ALLOW, allow);
    return MHD_queue_response(connection, status, response.get());
}

MHD_Result route(void *context, MHD_Connection *connection, const char *url, const char *method,
                 const char *upload_data, size_t *upload_data_size, void **request_state) {
    auto *server = static_cast<WebhookServer *>(context);
    bool is_webhook = std::strcmp(url, kWebhookPath) == 0;
    bool is_post = std::strcmp(method, MHD_HTTP_METHOD_POST) == 0;

    if (!is_webhook || !is_post) {
        if (*upload_data_size != 0) {
            *upload_data_size = 0;  // a body we will not read
            return MHD_YES;
        }
        WebhookServer::Answer answer = server->other_request(method, url);
        return send(connection, answer.status, answer.body,
                    answer.status == MHD_HTTP_METHOD_NOT_ALLOWED ? "POST" : nullptr);
    }

    auto *upload = static_cast<Upload *>(*request_state);
    if (!upload) {
        // A declared length over the limit is refused before a byte of it is read (and before
        // a client that sent "Expect: 100-continue" is told to go on).
        const char *length =
            MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && std::strtoull(length, nullptr, 10) > kMaxWebhookBytes) {
            WebhookServer::Answer answer = server->webhook({}, {}, true);
            return send(connection, answer.status, answer.body);
        }
        *request_state = new Upload;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        if (!upload->too_large && upload->body.size() + *upload_data_size <= kMaxWebhookBytes)
            upload->body.append(upload_data, *upload_data_size);
        else
            upload->too_large = true;
        *upload_data_size = 0;
        return MHD_YES;
    }
    const char *content_type =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    WebhookServer::Answer answer =
        server->webhook(upload->body, content_type ? content_type : "", upload->too_large);
    return send(connection, answer.status, answer.body);
}

// No exception may unwind into libmicrohttpd's C frames: one that escapes (out of memory) drops
// the connection, and Kinde, seeing no 200, delivers again.
MHD_Result on_request(void *context, MHD_Connection *connection, const char *url, const char *method,
                      const char * /*version*/, const char *upload_data, size_t *upload_data_size,
                      void **request_state) {
    try {
        return route(context, connection, url, method, upload_data, upload_data_size, request_state);
    } catch (...) {
        return MHD_NO;
    }
}

void on_completed(void * /*context*/, MHD_Connection * /*connection*/, void **request_state,
                  MHD_RequestTerminationCode /*code*/) {
    delete static_cast<Upload *>(*request_state);
    *request_state = nullptr;
}

// key="value" for the log line: quotes, backslashes and control bytes escaped, so no value can
// break the line or forge another; long values are cut.
std::string field(const char *name, std::string_view value) {
    constexpr std::size_t kMaxChars = 240;
    std::string out = std::string(" ") + name + "=\"";
    for (std::size_t i = 0; i < value.size() && i < kMaxChars; ++i) {
        auto byte = static_cast<unsigned char>(value[i]);
        if (byte == '"' || byte == '\\') {
            out += '\\';
            out += value[i];
        } else if (byte < 0x20 || byte == 0x7f) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
            out += escaped;
        } else {
            out += value[i];
        }
    }
    if (value.size() > kMaxChars)
        out += "...";
    return out + "\"";
}

// The "result" of kinde_webhook_apply's answer, for the log.
std::string rpc_result_of(const std::string &body) {
    Json answer = json_parse(body);
    auto result = json_string_member(answer.get(), "result");
    return result ? std::string(*result) : std::string("unknown");
}

}  // namespace

WebhookServer::WebhookServer(ServeConfig serve, ClientConfig client, JwksCache &keys, LogLine log)
    : serve_(std::move(serve)), client_config_(std::move(client)), keys_(keys), log_(std::move(log)) {}

WebhookServer::~WebhookServer() {
    stop();
}

PostgrestClient &WebhookServer::client() {
    // One client per request thread: libcurl handles are not shared, and each keeps its
    // connection to PostgREST open between webhooks.
    thread_local std::unique_ptr<PostgrestClient> client;
    if (!client)
        client = std::make_unique<PostgrestClient>(client_config_);
    return *client;
}

WebhookServer::Answer WebhookServer::health() {
    std::shared_ptr<const KeySet> keys = keys_.keys();
    if (!keys)
        return {MHD_HTTP_SERVICE_UNAVAILABLE, "{\"status\":\"no signing keys loaded\"}"};
    return {MHD_HTTP_OK, "{\"status\":\"ok\",\"keys\":" + std::to_string(keys->size()) + "}"};
}

WebhookServer::Answer WebhookServer::other_request(std::string_view method, std::string_view path) {
    Answer answer;
    if (path == kHealthPath && method == MHD_HTTP_METHOD_GET)
        answer = health();
    else if (path == kWebhookPath)
        answer = {MHD_HTTP_METHOD_NOT_ALLOWED, error_body("use POST")};
    else
        answer = {MHD_HTTP_NOT_FOUND, error_body("not found")};
    log_("request" + field("method", method) + field("path", path) +
         " status=" + std::to_string(answer.status));
    return answer;
}

WebhookServer::Answer WebhookServer::webhook(const std::string &body, const std::string &content_type,
                                             bool too_large) {
    auto started = std::chrono::steady_clock::now();
    auto finish = [&](unsigned status, std::string answer_body, std::string details) {
        auto elapsed =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        log_("webhook status=" + std::to_string(status) + details + " bytes=" + std::to_string(body.size()) +
             " ms=" + std::to_string(elapsed.count()));
        return Answer{status, std::move(answer_body)};
    };
    auto log_refresh = [&](const JwksCache::RefreshResult &refresh) {
        if (refresh.refresh == JwksCache::Refresh::loaded)
            log_("jwks loaded " + refresh.message);
        else if (refresh.refresh == JwksCache::Refresh::failed)
            log_("jwks load failed: " + refresh.message);
    };

    if (too_large) {
        std::string reason = "body is larger than 64 KiB";
        return finish(MHD_HTTP_CONTENT_TOO_LARGE, error_body(reason), field("reason", reason));
    }

    log_refresh(keys_.refresh_if_old());
    std::shared_ptr<const KeySet> keys = keys_.keys();
    if (!keys) {
        log_refresh(keys_.refresh_if_allowed());
        keys = keys_.keys();
    }
    if (!keys) {
        std::string reason = "signing keys are not loaded yet";
        return finish(MHD_HTTP_SERVICE_UNAVAILABLE, error_body(reason), field("reason", reason));
    }

    WebhookRefusal refusal;
    std::optional<VerifiedWebhook> verified = webhook_verify(body, content_type, *keys, refusal);
    if (!verified && refusal.unknown_kid) {
        JwksCache::RefreshResult refresh = keys_.refresh_if_allowed();
        log_refresh(refresh);
        if (refresh.refresh == JwksCache::Refresh::loaded) {
            keys = keys_.keys();
            verified = webhook_verify(body, content_type, *keys, refusal);
        }
    }
    if (!verified)
        return finish(static_cast<unsigned>(refusal.status), error_body(refusal.reason),
                      field("reason", refusal.reason) +
                          (refusal.kid.empty() ? std::string() : field("kid", refusal.kid)));

    const ForwardedEvent &event = verified->event;
    std::string event_fields = field("type", event.type) + field("event_id", event.event_id) +
                               (event.kinde_id.empty() ? std::string() : field("kinde_id", event.kinde_id)) +
                               field("kid", verified->kid);
    RpcResult rpc = client().post("kinde_webhook_apply", event.rpc_body());
    std::string rpc_status = " rpc_status=" + std::to_string(rpc.status);
    switch (rpc.outcome) {
    case RpcOutcome::ok:
        return finish(MHD_HTTP_OK, rpc.body,
                      " result=" + rpc_result_of(rpc.body) + event_fields + rpc_status);
    case RpcOutcome::rejected:
        // The database refused the event itself: Kinde may retry, but it will never apply.
        if (rpc.status == MHD_HTTP_BAD_REQUEST)
            return finish(MHD_HTTP_BAD_REQUEST, error_body(rpc.message),
                          event_fields + rpc_status + field("reason", rpc.message));
        break;  // 401, 403, 404: our configuration, not the event; answer 503 so Kinde retries
    case RpcOutcome::unavailable:
    case RpcOutcome::unexpected:
        break;
    }
    return finish(MHD_HTTP_SERVICE_UNAVAILABLE, error_body("the database is unavailable; retry later"),
                  event_fields + rpc_status + field("reason", rpc.message));
}

bool WebhookServer::start(std::string &error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo *found = nullptr;
    if (int status = getaddrinfo(serve_.listen_host.c_str(), nullptr, &hints, &found); status != 0) {
        error = "cannot listen on " + serve_.listen_host + ": " + gai_strerror(status);
        return false;
    }
    sockaddr_storage address{};
    std::memcpy(&address, found->ai_addr, found->ai_addrlen);
    bool ipv6 = found->ai_family == AF_INET6;
    freeaddrinfo(found);
    if (ipv6)
        reinterpret_cast<sockaddr_in6 *>(&address)->sin6_port = htons(serve_.listen_port);
    else
        reinterpret_cast<sockaddr_in *>(&address)->sin_port = htons(serve_.listen_port);

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | (ipv6 ? MHD_USE_IPv6 : 0);
    daemon_ = MHD_start_daemon(flags, serve_.listen_port, nullptr, nullptr, &on_request, this,
                               MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr *>(&address),
                               MHD_OPTION_THREAD_POOL_SIZE, serve_.threads, MHD_OPTION_CONNECTION_TIMEOUT,
                               kConnectionTimeoutSeconds, MHD_OPTION_CONNECTION_LIMIT, kConnectionLimit,
                               MHD_OPTION_NOTIFY_COMPLETED, &on_completed, nullptr, MHD_OPTION_END);
    if (!daemon_) {
        error = "cannot listen on " + serve_.listen_host + ":" + std::to_string(serve_.listen_port);
        return false;
    }
    const MHD_DaemonInfo *info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
    port_ = info ? info->port : serve_.listen_port;
    return true;
}

void WebhookServer::stop() {
    if (daemon_) {
        MHD_stop_daemon(daemon_);
        daemon_ = nullptr;
    }
}

}  // namespace kinde_claims::shim
