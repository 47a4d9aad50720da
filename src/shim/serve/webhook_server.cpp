#include "serve/webhook_server.hpp"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <optional>
#include <set>

#include "common/backoff.hpp"
#include "common/json.hpp"
#include "kinde_rules.hpp"
#include "serve/webhook_handler.hpp"

namespace kinde_claims::shim {
namespace {

using Clock = std::chrono::steady_clock;

// One request as it arrives. Made by the URI callback, which sees the request target exactly as
// sent: libmicrohttpd hands the access handler a percent-decoded path without its query, in
// which "/kinde/%77ebhook" and "/kinde/webhook?x" would both be the webhook path.
struct Request {
    std::string target;
    bool headers_seen = false;
    std::string body;  // capped at kMaxWebhookBytes
    bool too_large = false;
};

std::string error_body(const std::string &reason) {
    Json body(json_pack("{s:s}", "error", reason.c_str()));
    return body ? json_text(body.get()) : "{\"error\":\"error\"}";
}

// `close`: the request's body may still be on its way, so the connection cannot be reused.
MHD_Result send(MHD_Connection *connection, const WebhookServer::Answer &answer, bool close = false) {
    MhdResponse response(MHD_create_response_from_buffer(
        answer.body.size(), const_cast<char *>(answer.body.data()), MHD_RESPMEM_MUST_COPY));
    if (!response)
        return MHD_NO;
    MHD_add_response_header(response.get(), MHD_HTTP_HEADER_CONTENT_TYPE, answer.content_type);
    if (answer.status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(response.get(), MHD_HTTP_HEADER_ALLOW, answer.body.find("use GET") != std::string::npos ? "GET" : "POST");
    if (answer.retry_after != 0)
        MHD_add_response_header(response.get(), MHD_HTTP_HEADER_RETRY_AFTER,
                                std::to_string(answer.retry_after).c_str());
    if (close)
        MHD_add_response_header(response.get(), MHD_HTTP_HEADER_CONNECTION, "close");
    return MHD_queue_response(connection, answer.status, response.get());
}

int socket_of(MHD_Connection *connection) {
    const MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info ? info->connect_fd : -1;
}

MHD_Result collect_content_length(void *context, MHD_ValueKind /*kind*/, const char *key, const char *value) {
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
        static_cast<std::set<std::string> *>(context)->insert(value ? value : "");
    return MHD_YES;
}

// Where the body ends must not be a matter of opinion: with two Content-Length headers that
// differ, or one next to Transfer-Encoding, a relay and we could each take a different end
// (request smuggling). RFC 9112 §6.3 has such a request refused; identical repeats are allowed.
const char *framing_error(MHD_Connection *connection) {
    std::set<std::string> lengths;
    MHD_get_connection_values(connection, MHD_HEADER_KIND, &collect_content_length, &lengths);
    if (lengths.size() > 1)
        return "two different Content-Length headers";
    if (!lengths.empty() &&
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
        return "both Content-Length and Transfer-Encoding";
    return nullptr;
}

// A body may follow the headers: a connection answered before reading it is closed, not reused.
bool may_have_body(MHD_Connection *connection) {
    const char *length =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    return (length && std::strcmp(length, "0") != 0) ||
           MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

MHD_Result route(WebhookServer &server, MHD_Connection *connection, const char *method,
                 const char *upload_data, size_t *upload_data_size, Request &request) {
    // The fail-open report carries its values in the query (Kinde's fetch binding sends no JSON
    // body), which libmicrohttpd parses: only the path before it must match.
    bool is_failopen = request.target.substr(0, request.target.find('?')) == WebhookServer::kFailopenPath &&
                       server.failopen_enabled();
    bool is_webhook = request.target == WebhookServer::kWebhookPath || is_failopen;
    bool is_post = std::strcmp(method, MHD_HTTP_METHOD_POST) == 0;

    if (!request.headers_seen) {
        request.headers_seen = true;
        if (const char *error = framing_error(connection))
            return send(connection,
                        server.refuse_request(method, request.target, MHD_HTTP_BAD_REQUEST, error), true);
        if (!is_webhook || !is_post)
            return send(connection, server.other_request(method, request.target), may_have_body(connection));
        // A declared length over the limit is refused before a byte of it is read (and before
        // a client that sent "Expect: 100-continue" is told to go on).
        const char *length =
            MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && std::strtoull(length, nullptr, 10) > kMaxWebhookBytes)
            return send(connection, is_failopen ? server.failopen(nullptr, nullptr, "", true) : server.webhook({}, {}, true), true);
        return MHD_YES;
    }
    if (!is_webhook || !is_post) {
        *upload_data_size = 0;  // the rest of a body we answered before reading
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        if (!request.too_large && request.body.size() + *upload_data_size <= kMaxWebhookBytes)
            request.body.append(upload_data, *upload_data_size);
        else
            request.too_large = true;
        *upload_data_size = 0;
        return MHD_YES;
    }
    // The whole request is in: the deadline stops while it is answered (the RPC has its own).
    server.guard().request_received(socket_of(connection));
    if (is_failopen) {
        const char *authorization =
            MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        return send(connection,
                    server.failopen(MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "user_id"),
                                    MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "org_code"),
                                    authorization ? authorization : "", request.too_large));
    }
    const char *content_type =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    return send(connection,
                server.webhook(request.body, content_type ? content_type : "", request.too_large));
}

// No exception may unwind into libmicrohttpd's C frames: one that escapes (out of memory) drops
// the connection, and Kinde, seeing no 200, delivers again.
MHD_Result on_request(void *context, MHD_Connection *connection, const char * /*url*/, const char *method,
                      const char * /*version*/, const char *upload_data, size_t *upload_data_size,
                      void **request_state) {
    auto *request = static_cast<Request *>(*request_state);
    if (!request)
        return MHD_NO;  // on_uri could not allocate it
    try {
        return route(*static_cast<WebhookServer *>(context), connection, method, upload_data,
                     upload_data_size, *request);
    } catch (...) {
        return MHD_NO;
    }
}

void *on_uri(void * /*context*/, const char *uri, MHD_Connection * /*connection*/) {
    try {
        return new Request{uri ? uri : "", false, {}, false};
    } catch (...) {
        return nullptr;
    }
}

void on_completed(void *context, MHD_Connection *connection, void **request_state,
                  MHD_RequestTerminationCode /*code*/) {
    delete static_cast<Request *>(*request_state);
    *request_state = nullptr;
    static_cast<WebhookServer *>(context)->guard().request_done(socket_of(connection), Clock::now());
}

void on_connection(void *context, MHD_Connection *connection, void ** /*socket_context*/,
                   MHD_ConnectionNotificationCode code) {
    ConnectionGuard &guard = static_cast<WebhookServer *>(context)->guard();
    int socket = socket_of(connection);
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        guard.started(socket, Clock::now());
    else
        guard.closed(socket);  // libmicrohttpd closes the socket after this returns
}

// libmicrohttpd's own messages ("Error processing request", ...): one escaped line each.
void on_library_message(void *context, const char *format, va_list arguments) {
    char text[512];
    int length = std::vsnprintf(text, sizeof text, format, arguments);
    if (length < 0)
        return;
    std::string_view message(text, std::min(static_cast<std::size_t>(length), sizeof text - 1));
    while (!message.empty() && (message.back() == '\n' || message.back() == '\r' || message.back() == ' '))
        message.remove_suffix(1);
    try {
        static_cast<WebhookServer *>(context)->log("libmicrohttpd" + log_field("message", message));
    } catch (...) {
    }
}

// The "result" of kinde_webhook_apply's answer, for the log.
std::string rpc_result_of(const std::string &body) {
    Json answer = json_parse(body);
    auto result = json_string_member(answer.get(), "result");
    return result ? std::string(*result) : std::string("unknown");
}

// The client a connection counts against: its IPv4 address, or for IPv6 its /64, since one
// holder of a /64 (the usual single allocation) can use any of its addresses.
std::string client_of(const sockaddr_storage &address) {
    char text[INET6_ADDRSTRLEN] = "";
    if (address.ss_family == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in &>(address).sin_addr, text, sizeof text);
        return text;
    }
    if (address.ss_family != AF_INET6)
        return "unknown";
    in6_addr ip = reinterpret_cast<const sockaddr_in6 &>(address).sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&ip)) {
        inet_ntop(AF_INET, &ip.s6_addr[12], text, sizeof text);
        return text;
    }
    std::memset(&ip.s6_addr[8], 0, 8);
    inet_ntop(AF_INET6, &ip, text, sizeof text);
    return std::string(text) + "/64";
}

std::int64_t unix_micros_now() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

WebhookServer::WebhookServer(ServeConfig serve, ClientConfig client, JwksCache &keys, LogLine log,
                             Metrics &metrics)
    : serve_(std::move(serve)), client_config_(std::move(client)), keys_(keys), log_(std::move(log)),
      metrics_(metrics),
      guard_(std::make_unique<ConnectionGuard>(serve_.limits, serve_.threads,
                                               [](int socket) { ::shutdown(socket, SHUT_RDWR); })) {
    if (!serve_.failopen_secret.empty())
        outbox_ = std::make_unique<FailopenOutbox>(
            serve_.state_dir.empty() ? std::string() : serve_.state_dir + "/failopen.jsonl",
            serve_.failopen_max_users, std::chrono::milliseconds(serve_.failopen_hold_ms));
}

WebhookServer::~WebhookServer() {
    stop();
}

PostgrestClient &WebhookServer::client() {
    // One client per daemon thread, owned by this server: libcurl handles are not shared, and
    // each keeps its connection to PostgREST open between webhooks.
    std::lock_guard<std::mutex> lock(clients_mutex_);
    std::unique_ptr<PostgrestClient> &client = clients_[std::this_thread::get_id()];
    if (!client)
        client = std::make_unique<PostgrestClient>(client_config_, metrics_.postgrest_observer());
    return *client;
}

void WebhookServer::log_refresh(const JwksCache::RefreshResult &refresh) {
    if (refresh.refresh == JwksCache::Refresh::not_due)
        return;
    std::shared_ptr<const KeySet> keys = keys_.keys();
    metrics_.signing_keys_refresh(refresh.refresh == JwksCache::Refresh::loaded, keys ? keys->size() : 0);
    if (refresh.refresh == JwksCache::Refresh::loaded)
        log_("jwks loaded " + refresh.message);
    else
        log_("jwks load failed: " + refresh.message);
}

WebhookServer::Answer WebhookServer::ready() {
    auto not_ready = [this](const char *cause, const std::string &reason) {
        metrics_.ready(false);
        Json body(json_pack("{s:s, s:s, s:s}", "status", "not ready", "cause", cause, "reason", reason.c_str()));
        return Answer{MHD_HTTP_SERVICE_UNAVAILABLE, json_text(body.get())};
    };
    std::shared_ptr<const KeySet> keys = keys_.keys();
    if (!keys)
        return not_ready("no signing keys", "Kinde's signing keys are not loaded yet");
    RpcResult result;
    {
        // A call the function refuses (its argument is not an event) and that writes nothing:
        // answered 400 only when our key is accepted, the role holds the grant, the function
        // exists and the database runs it.
        std::lock_guard<std::mutex> lock(probe_mutex_);
        auto now = Clock::now();
        if (!probed_ || now - probed_at_ >= kReadyProbeInterval) {
            if (!probe_client_)
                probe_client_ = std::make_unique<PostgrestClient>(client_config_);
            probe_result_ = probe_client_->post("kinde_webhook_apply", R"({"event": "readiness probe"})");
            probed_at_ = now;
            probed_ = true;
        }
        result = probe_result_;
    }
    bool answered = result.outcome == RpcOutcome::ok ||
                    (result.outcome == RpcOutcome::rejected && result.status == MHD_HTTP_BAD_REQUEST);
    if (!answered)
        return not_ready(is_configuration_failure(result) ? "configuration" : "unavailable",
                         result.message.empty() ? "PostgREST answered " + std::to_string(result.status)
                                                : result.message);
    metrics_.ready(true);
    return {MHD_HTTP_OK, "{\"status\":\"ready\",\"keys\":" + std::to_string(keys->size()) + "}"};
}

WebhookServer::Answer WebhookServer::failopen(const char *user_id, const char *org_code,
                                              const std::string &authorization, bool too_large) {
    auto finish = [&](unsigned status, const std::string &details, std::string answer_body) {
        log_("failopen status=" + std::to_string(status) + details + " queued=" + std::to_string(outbox_->size()));
        return Answer{status, std::move(answer_body)};
    };
    const std::string expected = "Bearer " + serve_.failopen_secret;
    if (authorization.size() != expected.size() ||
        CRYPTO_memcmp(authorization.data(), expected.data(), expected.size()) != 0)
        return finish(MHD_HTTP_UNAUTHORIZED, log_field("reason", "no or wrong secret"), error_body("unauthorized"));
    if (too_large)
        return finish(MHD_HTTP_CONTENT_TOO_LARGE, log_field("reason", "body is larger than 64 KiB"),
                      error_body("body is larger than 64 KiB"));
    if (!user_id || rules::check_kinde_id(user_id))
        return finish(MHD_HTTP_BAD_REQUEST, log_field("reason", "no valid user_id"),
                      error_body("the query must carry user_id=kp_..."));
    // An org code the database would refuse is dropped there; kept short here.
    std::string org = org_code ? std::string(org_code).substr(0, 80) : std::string();
    std::string who = log_field("user_id", user_id) + (org.empty() ? std::string() : log_field("org_code", org));
    switch (outbox_->add(user_id, org, FailopenOutbox::Clock::now())) {
    case FailopenOutbox::Added::queued:
        return finish(MHD_HTTP_ACCEPTED, " result=queued" + who, "{\"result\":\"queued\"}");
    case FailopenOutbox::Added::already_queued:
        return finish(MHD_HTTP_ACCEPTED, " result=already_queued" + who, "{\"result\":\"already_queued\"}");
    case FailopenOutbox::Added::not_saved:
        return finish(MHD_HTTP_SERVICE_UNAVAILABLE, " result=not_saved" + who + log_field("reason", outbox_->file_error()),
                      error_body("the report could not be saved"));
    case FailopenOutbox::Added::full:
        break;
    }
    // Full: dropped and counted; logged at most once a minute with how many since the last line.
    std::uint64_t dropped = outbox_->dropped();
    auto now = std::chrono::steady_clock::now();
    {
        std::lock_guard<std::mutex> lock(clients_mutex_);
        if (now - last_dropped_log_ >= std::chrono::minutes(1)) {
            last_dropped_log_ = now;
            log_("failopen dropped=" + std::to_string(dropped - dropped_logged_) + " dropped_total=" +
                 std::to_string(dropped) + " reason=\"the queue holds " + std::to_string(serve_.failopen_max_users) +
                 " users (--failopen-max-users)\"" + who);
            dropped_logged_ = dropped;
        }
    }
    return {MHD_HTTP_SERVICE_UNAVAILABLE, error_body("the fail-open queue is full")};
}

// Records the queue in the database, oldest first, once each entry is --failopen-hold-ms old (so
// Kinde has finished issuing the token before sync has it rebuilt), retrying with back-off while
// PostgREST or the database does not answer.
void WebhookServer::failopen_loop() {
    PostgrestClient writer(client_config_, metrics_.postgrest_observer());
    Backoff backoff(std::chrono::milliseconds(250), std::chrono::seconds(30));
    std::chrono::steady_clock::time_point last_failure_log{};
    unsigned failures_unlogged = 0;
    if (outbox_->loaded() != 0 || outbox_->skipped_lines() != 0)
        log_("failopen loaded=" + std::to_string(outbox_->loaded()) +
             " skipped_lines=" + std::to_string(outbox_->skipped_lines()));
    std::unique_lock<std::mutex> lock(watchdog_mutex_);
    auto wait = std::chrono::milliseconds(100);
    while (!stopping_) {
        watchdog_wake_.wait_for(lock, wait);
        if (stopping_)
            break;
        std::vector<FailopenOutbox::Entry> batch = outbox_->ready(FailopenOutbox::Clock::now(), kFailopenBatch);
        if (batch.empty()) {
            wait = std::chrono::milliseconds(100);
            continue;
        }
        lock.unlock();
        Json entries(json_array());
        for (const FailopenOutbox::Entry &entry : batch) {
            Json item(json_pack("{s:s}", "user_id", entry.user_id.c_str()));
            if (!entry.org_code.empty())
                json_object_set_new(item.get(), "org_code", json_string(entry.org_code.c_str()));
            json_array_append(entries.get(), item.get());
        }
        Json arguments(json_pack("{s:O}", "entries", entries.get()));
        RpcResult result = writer.post("kinde_claims_failopen_record", json_text(arguments.get()));
        if (result.outcome == RpcOutcome::ok) {
            outbox_->remove_first(batch.size());
            backoff.reset();
            Json answer = json_parse(result.body);
            json_t *recorded = answer ? json_object_get(answer.get(), "recorded") : nullptr;
            json_t *skipped = answer ? json_object_get(answer.get(), "skipped") : nullptr;
            log_("failopen recorded=" + std::to_string(json_integer_value(recorded)) +
                 " skipped=" + std::to_string(json_integer_value(skipped)) +
                 " queued=" + std::to_string(outbox_->size()));
            wait = std::chrono::milliseconds(0);
        } else {
            wait = backoff.next_delay();
            ++failures_unlogged;
            auto now = std::chrono::steady_clock::now();
            if (now - last_failure_log >= std::chrono::minutes(1) || backoff.failures() == 1) {
                last_failure_log = now;
                log_("failopen record failed status=" + std::to_string(result.status) +
                     log_field("reason", result.message) + " queued=" + std::to_string(outbox_->size()) +
                     " repeated=" + std::to_string(failures_unlogged - 1) +
                     (is_configuration_failure(result) ? " cause=configuration" : " cause=unavailable"));
                failures_unlogged = 0;
            }
        }
        lock.lock();
    }
}

WebhookServer::Answer WebhookServer::health() {
    std::shared_ptr<const KeySet> keys = keys_.keys();
    if (!keys)
        return {MHD_HTTP_SERVICE_UNAVAILABLE, "{\"status\":\"no signing keys loaded\"}"};
    return {MHD_HTTP_OK, "{\"status\":\"ok\",\"keys\":" + std::to_string(keys->size()) + "}"};
}

WebhookServer::Answer WebhookServer::other_request(std::string_view method, std::string_view path) {
    Answer answer;
    bool get = method == MHD_HTTP_METHOD_GET;
    bool admin = path == kHealthPath || path == kLivePath || path == kReadyPath || path == kMetricsPath;
    if (admin && !get)
        answer = {MHD_HTTP_METHOD_NOT_ALLOWED, error_body("use GET")};
    else if (path == kHealthPath)
        answer = health();
    else if (path == kLivePath)
        answer = {MHD_HTTP_OK, "{\"status\":\"live\"}"};
    else if (path == kReadyPath)
        answer = ready();
    else if (path == kMetricsPath)
        answer = {MHD_HTTP_OK, metrics_.render(), 0, Metrics::kContentType};
    else if (path == kWebhookPath)
        answer = {MHD_HTTP_METHOD_NOT_ALLOWED, error_body("use POST")};
    else
        answer = {MHD_HTTP_NOT_FOUND, error_body("not found")};
    log_("request" + log_field("method", method) + log_field("path", path) +
         " status=" + std::to_string(answer.status));
    return answer;
}

WebhookServer::Answer WebhookServer::refuse_request(std::string_view method, std::string_view path,
                                                    unsigned status, const std::string &reason) {
    if (path == kWebhookPath)
        metrics_.webhook(status, "refused");
    log_("request" + log_field("method", method) + log_field("path", path) +
         " status=" + std::to_string(status) + log_field("reason", reason));
    return {status, error_body(reason)};
}

WebhookServer::Answer WebhookServer::webhook(const std::string &body, const std::string &content_type,
                                             bool too_large) {
    auto started = std::chrono::steady_clock::now();
    // `result`: the metric's label (the database's answer for a 200).
    auto finish = [&](unsigned status, std::string_view result, std::string answer_body, std::string details,
                      unsigned retry_after = 0) {
        auto elapsed =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        metrics_.webhook(status, result);
        log_("webhook status=" + std::to_string(status) + details + " bytes=" + std::to_string(body.size()) +
             " ms=" + std::to_string(elapsed.count()));
        return Answer{status, std::move(answer_body), retry_after};
    };

    if (too_large) {
        std::string reason = "body is larger than 64 KiB";
        return finish(MHD_HTTP_CONTENT_TOO_LARGE, "too_large", error_body(reason), log_field("reason", reason));
    }

    log_refresh(keys_.refresh_if_old());
    std::shared_ptr<const KeySet> keys = keys_.keys();
    if (!keys) {
        log_refresh(keys_.refresh_if_allowed());
        keys = keys_.keys();
    }
    if (!keys) {
        std::string reason = "signing keys are not loaded yet";
        return finish(MHD_HTTP_SERVICE_UNAVAILABLE, "no_keys", error_body(reason), log_field("reason", reason));
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
        return finish(static_cast<unsigned>(refusal.status), "refused", error_body(refusal.reason),
                      log_field("reason", refusal.reason) +
                          (refusal.kid.empty() ? std::string() : log_field("kid", refusal.kid)));

    const ForwardedEvent &event = verified->event;
    std::string event_fields =
        log_field("type", event.type) + log_field("event_id", event.event_id) +
        (event.kinde_id.empty() ? std::string() : log_field("kinde_id", event.kinde_id)) +
        (event.org_code.empty() ? std::string() : log_field("org_code", event.org_code)) +
        (event.organizations ? " organizations=" + std::to_string(event.organizations->size())
                             : std::string()) +
        log_field("kid", verified->kid);
    // An event dated ahead of our clock would, once applied, make its user's genuine later events
    // stale: it is not forwarded, and Kinde, seeing no 200, delivers it again later. The database
    // checks the same against its own clock and answers "future" without writing.
    auto future = [&](std::string_view checked_by, unsigned retry_after) {
        std::string reason = "event is dated more than 5 minutes ahead of the " + std::string(checked_by) +
                             "'s clock; retry later";
        return finish(MHD_HTTP_SERVICE_UNAVAILABLE, "future", error_body(reason),
                      " result=future" + event_fields + log_field("timestamp", event.timestamp) +
                          log_field("reason", reason),
                      retry_after);
    };
    if (auto retry_after = future_event_retry_after(event, unix_micros_now()))
        return future("receiver", *retry_after);

    RpcResult rpc = client().post("kinde_webhook_apply", event.rpc_body());
    std::string rpc_status = " rpc_status=" + std::to_string(rpc.status);
    switch (rpc.outcome) {
    case RpcOutcome::ok:
        if (std::string result = rpc_result_of(rpc.body); result == "future")
            return future("database", future_event_retry_after(event, unix_micros_now()).value_or(60));
        else
            return finish(MHD_HTTP_OK, result, rpc.body, " result=" + result + event_fields + rpc_status);
    case RpcOutcome::rejected:
        // The database refused the event itself: Kinde may retry, but it will never apply.
        if (rpc.status == MHD_HTTP_BAD_REQUEST)
            return finish(MHD_HTTP_BAD_REQUEST, "refused", error_body(rpc.message),
                          event_fields + rpc_status + log_field("reason", rpc.message));
        break;
    case RpcOutcome::unavailable:
    case RpcOutcome::unexpected:
        break;
    }
    // 401, 403, 404 are our configuration (the key, the grant, the function), not the event and
    // not the database being down: Kinde still gets a 503 so it retries once it is fixed, but the
    // log, the metrics and /ready say "configuration".
    if (is_configuration_failure(rpc))
        return finish(MHD_HTTP_SERVICE_UNAVAILABLE, "configuration",
                      error_body("the shim's access to the database is misconfigured; retry later"),
                      " cause=configuration" + event_fields + rpc_status + log_field("reason", rpc.message));
    return finish(MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable", error_body("the database is unavailable; retry later"),
                  " cause=unavailable" + event_fields + rpc_status + log_field("reason", rpc.message));
}

bool WebhookServer::start(std::string &error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo *found = nullptr;
    std::string port = std::to_string(serve_.listen_port);
    if (int status = getaddrinfo(serve_.listen_host.c_str(), port.c_str(), &hints, &found); status != 0) {
        error = "cannot listen on " + serve_.listen_host + ": " + gai_strerror(status);
        return false;
    }
    std::string where = serve_.listen_host + ":" + port;
    listen_socket_ = socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int reuse = 1;
    bool listening = listen_socket_ >= 0 &&
                     setsockopt(listen_socket_, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse) == 0 &&
                     bind(listen_socket_, found->ai_addr, found->ai_addrlen) == 0 &&
                     listen(listen_socket_, SOMAXCONN) == 0;
    freeaddrinfo(found);
    if (!listening) {
        error = "cannot listen on " + where + ": " + std::strerror(errno);
        stop();
        return false;
    }
    sockaddr_storage bound{};
    socklen_t bound_length = sizeof bound;
    getsockname(listen_socket_, reinterpret_cast<sockaddr *>(&bound), &bound_length);
    port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6 &>(bound).sin6_port
                                              : reinterpret_cast<sockaddr_in &>(bound).sin_port);

    // The idle timeout matches the deadline: between requests on a kept connection the next
    // request's deadline is already running, so no connection idles for longer either way.
    auto timeout = static_cast<unsigned>(serve_.limits.request_timeout.count());
    for (unsigned i = 0; i < serve_.threads; ++i) {
        // The logger goes first: options before it would still log through libmicrohttpd's own.
        MHD_Daemon *daemon = MHD_start_daemon(
            MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC | MHD_USE_ERROR_LOG, 0,
            nullptr, nullptr, &on_request, this, MHD_OPTION_EXTERNAL_LOGGER, &on_library_message, this,
            MHD_OPTION_CONNECTION_TIMEOUT, timeout, MHD_OPTION_CONNECTION_LIMIT,
            serve_.limits.max_connections, MHD_OPTION_URI_LOG_CALLBACK, &on_uri, this,
            MHD_OPTION_NOTIFY_COMPLETED, &on_completed, this, MHD_OPTION_NOTIFY_CONNECTION, &on_connection,
            this, MHD_OPTION_END);
        if (!daemon) {
            error = "cannot start the HTTP server's threads for " + where;
            stop();
            return false;
        }
        daemons_.push_back(daemon);
    }
    wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) {
        error = std::string("cannot make an eventfd: ") + std::strerror(errno);
        stop();
        return false;
    }
    acceptor_ = std::thread(&WebhookServer::accept_loop, this);
    watchdog_ = std::thread(&WebhookServer::watchdog_loop, this);
    if (outbox_) {
        if (std::string file_error = outbox_->file_error(); !file_error.empty()) {
            error = "the fail-open queue: " + file_error;
            stop();
            return false;
        }
        failopen_writer_ = std::thread(&WebhookServer::failopen_loop, this);
    }
    return true;
}

void WebhookServer::log_refusal(ConnectionGuard::Admission admission, const std::string &client) {
    metrics_.connection_refused(admission == ConnectionGuard::Admission::over_client ? "per_client" : "total");
    ++refusals_unlogged_;
    auto now = Clock::now();
    if (now - last_refusal_log_ < std::chrono::seconds(1))
        return;
    last_refusal_log_ = now;
    std::string reason = admission == ConnectionGuard::Admission::over_client
                             ? "client holds " + std::to_string(serve_.limits.max_connections_per_client) +
                                   " connections (--max-connections-per-client)"
                             : "server holds " + std::to_string(serve_.limits.max_connections) +
                                   " connections (--max-connections)";
    log_("connection refused" + log_field("client", client) + log_field("reason", reason) +
         " refused_since_last_line=" + std::to_string(refusals_unlogged_));
    refusals_unlogged_ = 0;
}

void WebhookServer::accept_loop() {
    pollfd watched[2] = {{listen_socket_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    while (!stopping_) {
        if (poll(watched, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            log_(std::string("accept stopped") + log_field("reason", std::strerror(errno)));
            return;
        }
        if (watched[1].revents != 0)
            return;
        for (;;) {
            sockaddr_storage address{};
            socklen_t length = sizeof address;
            int socket = accept4(listen_socket_, reinterpret_cast<sockaddr *>(&address), &length,
                                 SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (socket < 0) {
                if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                    // Out of sockets: the pending connection stays in the backlog; try again soon.
                    log_(std::string("accept failed") + log_field("reason", std::strerror(errno)));
                    std::this_thread::sleep_for(std::chrono::milliseconds(100));
                }
                break;  // EAGAIN: none left; ECONNABORTED, EINTR: poll again
            }
            std::string client = client_of(address);
            ConnectionGuard::Admitted admitted = guard_->admit(socket, client, Clock::now());
            if (admitted.admission != ConnectionGuard::Admission::admitted) {
                close(socket);
                log_refusal(admitted.admission, client);
                continue;
            }
            // On failure libmicrohttpd has closed the socket (and logged why).
            if (MHD_add_connection(daemons_[admitted.thread], socket, reinterpret_cast<sockaddr *>(&address),
                                   length) != MHD_YES)
                guard_->forget(socket);
        }
    }
}

void WebhookServer::watchdog_loop() {
    std::unique_lock<std::mutex> lock(watchdog_mutex_);
    while (!stopping_) {
        watchdog_wake_.wait_for(lock, std::chrono::milliseconds(200));
        for (const ConnectionGuard::CutConnection &cut : guard_->cut_overdue(Clock::now())) {
            metrics_.connection_cut();
            log_("connection cut" + log_field("client", cut.client) +
                 log_field("reason", "no whole request within " +
                                         std::to_string(serve_.limits.request_timeout.count()) +
                                         " s (--request-timeout)") +
                 " ms=" + std::to_string(cut.age.count()));
        }
    }
}

void WebhookServer::stop() {
    stopping_ = true;
    if (wake_fd_ >= 0) {
        std::uint64_t one = 1;
        [[maybe_unused]] ssize_t written = write(wake_fd_, &one, sizeof one);
    }
    {
        std::lock_guard<std::mutex> lock(watchdog_mutex_);
        watchdog_wake_.notify_all();
    }
    if (acceptor_.joinable())
        acceptor_.join();
    if (watchdog_.joinable())
        watchdog_.join();
    if (failopen_writer_.joinable())
        failopen_writer_.join();
    for (MHD_Daemon *daemon : daemons_)
        MHD_stop_daemon(daemon);
    daemons_.clear();
    for (int *fd : {&listen_socket_, &wake_fd_})
        if (*fd >= 0) {
            close(*fd);
            *fd = -1;
        }
}

}  // namespace kinde_claims::shim
