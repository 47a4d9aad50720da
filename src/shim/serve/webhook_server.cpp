#include "serve/webhook_server.hpp"

#include <microhttpd.h>
#include <openssl/crypto.h>

#include <chrono>
#include <optional>

#include "common/backoff.hpp"
#include "common/json.hpp"
#include "kinde_rules.hpp"
#include "serve/webhook_handler.hpp"

namespace kinde_claims::shim {
namespace {

using Clock = std::chrono::steady_clock;

std::string error_body(const std::string &reason) {
    Json body(json_pack("{s:s}", "error", reason.c_str()));
    return body ? json_text(body.get()) : "{\"error\":\"error\"}";
}

// The "result" of kinde_webhook_apply's answer, for the log.
std::string rpc_result_of(const std::string &body) {
    Json answer = json_parse(body);
    auto result = json_string_member(answer.get(), "result");
    return result ? std::string(*result) : std::string("unknown");
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
      listener_(
          ListenConfig{serve_.listen_host, serve_.listen_port, serve_.threads, serve_.limits,
                       kMaxWebhookBytes, true},
          HttpListener::Routes{
              [this](std::string_view method, std::string_view target) { return takes_body(method, target); },
              [this](const HttpRequest &request) { return answer(request); },
              [this](std::string_view method, std::string_view target, unsigned status,
                     const std::string &reason) { return refuse_request(method, target, status, reason); }},
          log_, metrics_) {
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
    std::unique_lock<std::mutex> lock(failopen_mutex_);
    auto wait = std::chrono::milliseconds(100);
    while (!stopping_) {
        failopen_wake_.wait_for(lock, wait);
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

// The fail-open report carries its values in the query (Kinde's fetch binding sends no JSON body),
// which libmicrohttpd parses: only the path before it must match.
bool WebhookServer::takes_body(std::string_view method, std::string_view target) const {
    bool is_failopen = target.substr(0, target.find('?')) == kFailopenPath && failopen_enabled();
    return (target == kWebhookPath || is_failopen) && method == MHD_HTTP_METHOD_POST;
}

WebhookServer::Answer WebhookServer::answer(const HttpRequest &request) {
    if (!takes_body(request.method, request.target))
        return other_request(request.method, request.target);
    bool is_failopen = request.target != kWebhookPath;
    if (!request.body_read)  // a declared length over the limit: refused before a byte is read
        return is_failopen ? failopen(nullptr, nullptr, "", true) : webhook({}, {}, true);
    if (is_failopen) {
        const char *authorization = request.header(MHD_HTTP_HEADER_AUTHORIZATION);
        return failopen(request.query("user_id"), request.query("org_code"),
                        authorization ? authorization : "", request.too_large);
    }
    const char *content_type = request.header(MHD_HTTP_HEADER_CONTENT_TYPE);
    return webhook(request.body, content_type ? content_type : "", request.too_large);
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
        answer = {MHD_HTTP_METHOD_NOT_ALLOWED, error_body("use GET"), 0, "application/json", "GET"};
    else if (path == kHealthPath)
        answer = health();
    else if (path == kLivePath)
        answer = {MHD_HTTP_OK, "{\"status\":\"live\"}"};
    else if (path == kReadyPath)
        answer = ready();
    else if (path == kMetricsPath)
        answer = {MHD_HTTP_OK, metrics_.render(), 0, Metrics::kContentType};
    else if (path == kWebhookPath)
        answer = {MHD_HTTP_METHOD_NOT_ALLOWED, error_body("use POST"), 0, "application/json", "POST"};
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
    if (!listener_.start(error))
        return false;
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

void WebhookServer::stop() {
    {
        std::lock_guard<std::mutex> lock(failopen_mutex_);
        stopping_ = true;
        failopen_wake_.notify_all();
    }
    if (failopen_writer_.joinable())
        failopen_writer_.join();
    listener_.stop();
}

}  // namespace kinde_claims::shim
