// `serve`: Kinde's webhooks in, each verified event one RPC call out; the workflow's fail-open
// reports; /healthz, /live, /ready and /metrics. The connections are net/http_listener's.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/config.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "net/http_listener.hpp"
#include "net/postgrest_client.hpp"
#include "serve/failopen_outbox.hpp"
#include "serve/jwks_cache.hpp"

namespace kinde_claims::shim {

class WebhookServer {
public:
    static constexpr const char *kWebhookPath = "/kinde/webhook";
    // The token workflow's report of a token issued without claims (docs/workflow.md).
    static constexpr const char *kFailopenPath = "/kinde/failopen";
    // Users per kinde_claims_failopen_record call.
    static constexpr std::size_t kFailopenBatch = 500;
    static constexpr const char *kHealthPath = "/healthz";
    static constexpr const char *kLivePath = "/live";
    static constexpr const char *kReadyPath = "/ready";
    static constexpr const char *kMetricsPath = "/metrics";
    // /ready calls PostgREST at most this often; between calls it answers what the last one found.
    static constexpr std::chrono::seconds kReadyProbeInterval{5};

    WebhookServer(ServeConfig serve, ClientConfig client, JwksCache &keys, LogLine log, Metrics &metrics);
    ~WebhookServer();
    WebhookServer(const WebhookServer &) = delete;
    WebhookServer &operator=(const WebhookServer &) = delete;

    // Starts listening; true once requests are being served, else false with `error` set.
    bool start(std::string &error);
    // The port it listens on (the one picked, when the configuration said 0).
    std::uint16_t port() const { return listener_.port(); }
    void stop();

    // What one request gets (a 503 that Kinde should retry later carries Retry-After). Each of the
    // functions below logs its one line.
    using Answer = HttpAnswer;
    Answer webhook(const std::string &body, const std::string &content_type, bool too_large);
    // POST /kinde/failopen?user_id=kp_...[&org_code=org_...] with "Authorization: Bearer <the
    // fail-open secret>" (query arguments, as libmicrohttpd decoded them; null when absent): 202
    // queued (or already queued), 401 without the secret, 400 without a valid user id, 503 when the
    // queue is full or cannot be saved; 404 while no secret is configured.
    Answer failopen(const char *user_id, const char *org_code, const std::string &authorization, bool too_large);
    bool failopen_enabled() const { return outbox_ != nullptr; }
    Answer health();
    // 200 {"status":"ready","keys":N}, or 503 {"status":"not ready","cause":...,"reason":...} with
    // cause "no signing keys", "configuration" (PostgREST answered 401, 403 or 404: the key, the
    // grant, the function) or "unavailable" (no answer, a timeout, 5xx).
    Answer ready();
    // Any request but a webhook POST: /healthz, /live, /ready, /metrics, or 404/405. `path` is the request target as sent.
    Answer other_request(std::string_view method, std::string_view path);
    // A request refused before it reached a handler (its framing is wrong).
    Answer refuse_request(std::string_view method, std::string_view path, unsigned status,
                          const std::string &reason);

private:
    PostgrestClient &client();
    // The listener's routes: which requests have a body to read, and the answer to each.
    bool takes_body(std::string_view method, std::string_view target) const;
    Answer answer(const HttpRequest &request);
    void log_refresh(const JwksCache::RefreshResult &refresh);
    void failopen_loop();

    ServeConfig serve_;
    ClientConfig client_config_;
    JwksCache &keys_;
    LogLine log_;
    Metrics &metrics_;
    // The readiness probe: its own client (its calls are not webhooks' and are not counted), and
    // what the last probe found.
    std::mutex probe_mutex_;
    std::unique_ptr<PostgrestClient> probe_client_;
    std::chrono::steady_clock::time_point probed_at_{};
    bool probed_ = false;
    RpcResult probe_result_{};
    HttpListener listener_;
    // The fail-open queue and the thread that records it in the database (woken to stop).
    std::unique_ptr<FailopenOutbox> outbox_;
    std::thread failopen_writer_;
    bool stopping_ = false;  // under failopen_mutex_
    std::mutex failopen_mutex_;
    std::condition_variable failopen_wake_;
    std::chrono::steady_clock::time_point last_dropped_log_{};
    std::uint64_t dropped_logged_ = 0;
    std::mutex clients_mutex_;
    std::map<std::thread::id, std::unique_ptr<PostgrestClient>> clients_;
};

}  // namespace kinde_claims::shim
