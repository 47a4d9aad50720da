// What operators watch: the metrics (names, labels, values after known events), /live and /ready
// of `serve` and `sync` against a PostgREST stand-in, the JSON log lines, the repeat limiter for
// failures retrying cannot fix, the new flags and each command's exit codes in its help.
#include <gtest/gtest.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <regex>

#include "cli/usage.hpp"
#include "common/config.hpp"
#include "common/json.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "common/version.hpp"
#include "serve/webhook_server.hpp"
#include "sync/refresh_window.hpp"
#include "sync/sync_health_server.hpp"
#include "test_keys.hpp"

namespace {

using namespace kinde_claims::shim;
namespace test = kinde_claims::test;

// A PostgREST stand-in that answers every call with a set status and body, and records the paths.
class RpcStandIn {
public:
    RpcStandIn() {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        daemon_ =
            MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, nullptr, nullptr, &handle, this,
                             MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr *>(&address), MHD_OPTION_END);
        if (daemon_)
            port_ = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT)->port;
    }
    ~RpcStandIn() {
        if (daemon_)
            MHD_stop_daemon(daemon_);
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    void answer(unsigned status, std::string body) {
        std::lock_guard<std::mutex> lock(mutex_);
        status_ = status;
        body_ = std::move(body);
    }
    int calls() const { return calls_; }

private:
    static MHD_Result handle(void *context, MHD_Connection *connection, const char *, const char *,
                             const char *, const char *, size_t *upload_size, void **state) {
        auto *self = static_cast<RpcStandIn *>(context);
        if (!*state) {
            *state = self;
            return MHD_YES;
        }
        if (*upload_size != 0) {
            *upload_size = 0;
            return MHD_YES;
        }
        ++self->calls_;
        std::lock_guard<std::mutex> lock(self->mutex_);
        MHD_Response *response = MHD_create_response_from_buffer(
            self->body_.size(), const_cast<char *>(self->body_.data()), MHD_RESPMEM_MUST_COPY);
        MHD_add_response_header(response, "Content-Type", "application/json");
        MHD_Result queued = MHD_queue_response(connection, self->status_, response);
        MHD_destroy_response(response);
        return queued;
    }

    MHD_Daemon *daemon_ = nullptr;
    std::uint16_t port_ = 0;
    std::mutex mutex_;
    unsigned status_ = 200;
    std::string body_ = "{}";
    std::atomic<int> calls_{0};
};

// The value of one sample line of the text format ("name{labels} value"); -1 when absent.
double sample(const std::string &text, const std::string &series) {
    std::size_t at = 0;
    while ((at = text.find(series + " ", at)) != std::string::npos) {
        if (at == 0 || text[at - 1] == '\n')
            return std::stod(text.substr(at + series.size() + 1));
        at += series.size();
    }
    return -1;
}

// ---- metrics ---------------------------------------------------------------------------------

TEST(Metrics, ServeCountsWebhooksKeysAndCallsWithBoundedLabels) {
    Metrics metrics("serve");
    metrics.webhook(200, "applied");
    metrics.webhook(200, "applied");
    metrics.webhook(503, "configuration");
    metrics.webhook(200, "kp_0123456789abcdef");  // a value not on the list: never a new label value
    metrics.signing_keys_refresh(true, 3);
    metrics.postgrest_call("kinde_webhook_apply", RpcResult{RpcOutcome::rejected, 403, "", ""}, 0.02);
    metrics.postgrest_call("kinde_webhook_apply", RpcResult{RpcOutcome::unavailable, 503, "", ""}, 0.2);
    metrics.postgrest_call("some_user_supplied_name", RpcResult{RpcOutcome::ok, 200, "{}", ""}, 0.001);
    metrics.connection_refused("per_client");
    std::string text = metrics.render();

    EXPECT_EQ(sample(text, R"(kinde_claims_webhook_requests_total{result="applied",status="200"})"), 2);
    EXPECT_EQ(sample(text, R"(kinde_claims_webhook_requests_total{result="configuration",status="503"})"), 1);
    EXPECT_EQ(sample(text, R"(kinde_claims_webhook_requests_total{result="other",status="200"})"), 1);
    EXPECT_EQ(text.find("kp_0123456789abcdef"), std::string::npos);
    EXPECT_EQ(sample(text, R"(kinde_claims_signing_key_refreshes_total{outcome="loaded"})"), 1);
    EXPECT_EQ(sample(text, "kinde_claims_signing_keys"), 3);
    EXPECT_EQ(sample(text, R"(kinde_claims_postgrest_calls_total{function="kinde_webhook_apply",outcome="configuration"})"), 1);
    EXPECT_EQ(sample(text, R"(kinde_claims_postgrest_calls_total{function="kinde_webhook_apply",outcome="unavailable"})"), 1);
    EXPECT_EQ(sample(text, R"(kinde_claims_postgrest_calls_total{function="other",outcome="ok"})"), 1);
    EXPECT_EQ(text.find("some_user_supplied_name"), std::string::npos);
    EXPECT_EQ(sample(text, R"(kinde_claims_postgrest_call_duration_seconds_count{function="kinde_webhook_apply"})"), 2);
    EXPECT_EQ(sample(text, R"(kinde_claims_postgrest_call_duration_seconds_bucket{function="kinde_webhook_apply",le="0.025"})"), 1);
    EXPECT_EQ(sample(text, R"(kinde_claims_connections_refused_total{reason="per_client"})"), 1);
    EXPECT_EQ(sample(text, "kinde_claims_build_info{command=\"serve\",version=\"" + std::string(shim_version()) + "\"}"), 1);
    // serve has no sync metrics
    EXPECT_EQ(text.find("kinde_claims_refresh_claims"), std::string::npos);
    EXPECT_EQ(text.find("kinde_claims_feed_"), std::string::npos);
}

TEST(Metrics, SyncCountsRefreshesThrottlingTheTokenAndTheFeed) {
    Metrics metrics("sync");
    metrics.refresh_claims("refreshed", 0.05);
    metrics.refresh_claims("throttled", 0.01);
    metrics.throttled("kinde");
    metrics.throttled("rate");
    metrics.throttled("rate");
    metrics.m2m_token("fetched");
    metrics.m2m_token_expires(std::chrono::system_clock::time_point(std::chrono::seconds(1900000000)));
    metrics.feed(7, 12.5);
    metrics.webhook(200, "applied");  // not sync's: nothing
    std::string text = metrics.render();

    EXPECT_EQ(sample(text, R"(kinde_claims_refresh_claims_calls_total{outcome="refreshed"})"), 1);
    EXPECT_EQ(sample(text, R"(kinde_claims_refresh_claims_calls_total{outcome="throttled"})"), 1);
    EXPECT_EQ(sample(text, R"(kinde_claims_refresh_claims_calls_total{outcome="forbidden"})"), 0);
    EXPECT_EQ(sample(text, "kinde_claims_refresh_claims_duration_seconds_count"), 2);
    EXPECT_EQ(sample(text, R"(kinde_claims_throttled_calls_total{by="kinde"})"), 1);
    EXPECT_EQ(sample(text, R"(kinde_claims_throttled_calls_total{by="rate"})"), 2);
    EXPECT_EQ(sample(text, R"(kinde_claims_m2m_token_requests_total{outcome="fetched"})"), 1);
    EXPECT_EQ(sample(text, "kinde_claims_m2m_token_expiry_timestamp_seconds"), 1900000000);
    EXPECT_EQ(sample(text, "kinde_claims_feed_unpushed_changes"), 7);
    EXPECT_EQ(sample(text, "kinde_claims_feed_lag_seconds"), 12.5);
    EXPECT_EQ(text.find("kinde_claims_webhook_requests_total"), std::string::npos);
    // Every sample's name has the one prefix.
    std::regex sample_line("^[a-z_]+", std::regex::multiline);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), sample_line); it != std::sregex_iterator(); ++it)
        EXPECT_EQ(it->str().rfind("kinde_claims_", 0), 0u) << it->str();
}

TEST(Metrics, ConfigurationIsWhatRetryingCannotFix) {
    for (long status : {401L, 403L, 404L})
        EXPECT_STREQ(rpc_outcome_label({RpcOutcome::rejected, status, "", ""}), "configuration") << status;
    EXPECT_STREQ(rpc_outcome_label({RpcOutcome::rejected, 400, "", ""}), "rejected");
    EXPECT_STREQ(rpc_outcome_label({RpcOutcome::unavailable, 503, "", ""}), "unavailable");
    EXPECT_STREQ(rpc_outcome_label({RpcOutcome::unavailable, 0, "", ""}), "unavailable");
    EXPECT_STREQ(rpc_outcome_label({RpcOutcome::ok, 200, "{}", ""}), "ok");
}

TEST(Metrics, PostgrestClientReportsEveryCallToItsObserver) {
    RpcStandIn postgrest;
    postgrest.answer(404, R"({"code":"PGRST202","message":"Could not find the function"})");
    Metrics metrics("sync");
    PostgrestClient client(ClientConfig{postgrest.url(), "", "", HttpTimeouts{1000, 3000}, ""},
                           metrics.postgrest_observer());
    client.post("kinde_claims_changes_lease", "{}");
    client.post("kinde_claims_changes_lease", "{}");
    EXPECT_EQ(sample(metrics.render(),
                     R"(kinde_claims_postgrest_calls_total{function="kinde_claims_changes_lease",outcome="configuration"})"),
              2);
}

// ---- serve: /live, /ready, /metrics and configuration failures ---------------------------------

class ServeOpsTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { key_ = new test::Jwk(test::rsa_key("k1")); }
    static void TearDownTestSuite() { delete key_; }

    ServeOpsTest()
        : keys_([](std::string &) -> std::optional<std::string> { return test::jwks_of({key_->get()}); }) {}
    WebhookServer server() {
        return WebhookServer(ServeConfig{}, ClientConfig{postgrest_.url(), "", "", HttpTimeouts{1000, 3000}, ""}, keys_,
                             [this](const std::string &line) { log_.push_back(line); }, metrics_);
    }
    std::string token() {
        return test::sign(key_->get(), test::payload("user.updated", "event_1", "kp_1", "2024-05-01T00:00:00Z"), "k1");
    }

    static test::Jwk *key_;
    RpcStandIn postgrest_;
    Metrics metrics_{"serve"};
    JwksCache keys_;
    std::vector<std::string> log_;
};
test::Jwk *ServeOpsTest::key_;

TEST_F(ServeOpsTest, ReadyNeedsTheKeysAndPostgrestAcceptingOurKey) {
    {
        WebhookServer unready = server();
        WebhookServer::Answer answer = unready.other_request("GET", "/ready");
        EXPECT_EQ(answer.status, 503u);
        EXPECT_NE(answer.body.find(R"("cause":"no signing keys")"), std::string::npos) << answer.body;
        EXPECT_EQ(postgrest_.calls(), 0);
        EXPECT_EQ(unready.other_request("GET", "/live").status, 200u);
    }
    keys_.load();
    // The probe's refusal (400: its argument is not an event) means the key, grant and function are fine.
    postgrest_.answer(400, R"({"code":"22023","message":"webhook event must be a JSON object"})");
    EXPECT_EQ(server().other_request("GET", "/ready").status, 200u);
    EXPECT_EQ(sample(metrics_.render(), "kinde_claims_ready"), 1);
    postgrest_.answer(403, R"({"code":"42501","message":"permission denied for function kinde_webhook_apply"})");
    WebhookServer::Answer forbidden = server().other_request("GET", "/ready");
    EXPECT_EQ(forbidden.status, 503u);
    EXPECT_NE(forbidden.body.find(R"("cause":"configuration")"), std::string::npos) << forbidden.body;
    EXPECT_NE(forbidden.body.find("permission denied"), std::string::npos) << forbidden.body;
    EXPECT_EQ(sample(metrics_.render(), "kinde_claims_ready"), 0);
    postgrest_.answer(503, R"({"code":"PGRST001","message":"Database client error"})");
    WebhookServer::Answer down = server().other_request("GET", "/ready");
    EXPECT_EQ(down.status, 503u);
    EXPECT_NE(down.body.find(R"("cause":"unavailable")"), std::string::npos) << down.body;
}

TEST_F(ServeOpsTest, ReadyAsksPostgrestAtMostOnceInItsInterval) {
    keys_.load();
    postgrest_.answer(400, R"({"code":"22023","message":"webhook event must be a JSON object"})");
    WebhookServer one = server();
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(one.other_request("GET", "/ready").status, 200u);
    EXPECT_EQ(postgrest_.calls(), 1);
}

TEST_F(ServeOpsTest, PostgrestRefusingOurKeyIsConfigurationNotTheDatabaseDown) {
    keys_.load();
    postgrest_.answer(401, R"({"code":"PGRST301","message":"JWSError JWSInvalidSignature"})");
    WebhookServer::Answer refused = server().webhook(token(), "application/jwt", false);
    EXPECT_EQ(refused.status, 503u);  // Kinde retries once it is fixed
    ASSERT_FALSE(log_.empty());
    EXPECT_NE(log_.back().find(" cause=configuration "), std::string::npos) << log_.back();
    EXPECT_NE(log_.back().find("rpc_status=401"), std::string::npos) << log_.back();

    postgrest_.answer(503, R"({"code":"PGRST001","message":"Database client error"})");
    WebhookServer::Answer down = server().webhook(token(), "application/jwt", false);
    EXPECT_EQ(down.status, 503u);
    EXPECT_NE(log_.back().find(" cause=unavailable "), std::string::npos) << log_.back();

    postgrest_.answer(200, R"({"result":"applied","profile":"created"})");
    EXPECT_EQ(server().webhook(token(), "application/jwt", false).status, 200u);

    std::string text = metrics_.render();
    EXPECT_EQ(sample(text, R"(kinde_claims_webhook_requests_total{result="configuration",status="503"})"), 1);
    EXPECT_EQ(sample(text, R"(kinde_claims_webhook_requests_total{result="unavailable",status="503"})"), 1);
    EXPECT_EQ(sample(text, R"(kinde_claims_webhook_requests_total{result="applied",status="200"})"), 1);
    EXPECT_EQ(sample(text, R"(kinde_claims_postgrest_calls_total{function="kinde_webhook_apply",outcome="configuration"})"), 1);
}

TEST_F(ServeOpsTest, MetricsIsPrometheusTextAndOtherMethodsAreRefused) {
    keys_.load();
    WebhookServer one = server();
    WebhookServer::Answer metrics = one.other_request("GET", "/metrics");
    EXPECT_EQ(metrics.status, 200u);
    EXPECT_STREQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_NE(metrics.body.find("# TYPE kinde_claims_webhook_requests_total counter"), std::string::npos);
    one.refuse_request("POST", "/kinde/webhook", 400, "two different Content-Length headers");
    one.refuse_request("GET", "/elsewhere", 400, "two different Content-Length headers");  // not a webhook
    EXPECT_EQ(sample(metrics_.render(), R"(kinde_claims_webhook_requests_total{result="refused",status="400"})"), 1);
    EXPECT_EQ(one.other_request("POST", "/metrics").status, 405u);
    EXPECT_EQ(one.other_request("GET", "/metrics/").status, 404u);
}

// One raw request to 127.0.0.1:port, and everything the server sends until it closes (or 5 s).
std::string raw_exchange(std::uint16_t port, const std::string &request) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    std::string answer;
    if (connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0 &&
        send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size())) {
        pollfd readable{fd, POLLIN, 0};
        char buffer[4096];
        while (poll(&readable, 1, 5000) > 0) {
            ssize_t got = recv(fd, buffer, sizeof buffer, 0);
            if (got <= 0)
                break;
            answer.append(buffer, static_cast<std::size_t>(got));
        }
    }
    close(fd);
    return answer;
}

// sync --listen answers through the listener serve uses: its routes see libmicrohttpd's path
// (no query), a 405 names GET, and an ambiguous length is refused before any route.
TEST(SyncOps, TheHealthListenerIsServesListener) {
    RpcStandIn postgrest;
    Metrics metrics("sync");
    std::vector<std::string> lines;
    std::mutex lines_mutex;
    SyncHealthServer server(
        "127.0.0.1", 0, ClientConfig{postgrest.url(), "", "", HttpTimeouts{1000, 3000}, ""}, metrics,
        [&](const std::string &line) {
            std::lock_guard<std::mutex> lock(lines_mutex);
            lines.push_back(line);
        },
        [] { return 200L; }, [] { return std::optional<NotReady>(); });
    std::string error;
    ASSERT_TRUE(server.start(error)) << error;
    ASSERT_NE(server.port(), 0);

    std::string live =
        raw_exchange(server.port(), "GET /live?probe=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(live.rfind("HTTP/1.1 200", 0), 0u) << live;
    EXPECT_NE(live.find(R"({"status":"live"})"), std::string::npos) << live;

    std::string post = raw_exchange(server.port(), "POST /live HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                                                   "Connection: close\r\n\r\n");
    EXPECT_EQ(post.rfind("HTTP/1.1 405", 0), 0u) << post;
    EXPECT_NE(post.find("Allow: GET\r\n"), std::string::npos) << post;

    std::string smuggled = raw_exchange(server.port(), "GET /live HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
                                                       "Content-Length: 2\r\n\r\nab");
    EXPECT_EQ(smuggled.rfind("HTTP/1.1 400", 0), 0u) << smuggled;
    EXPECT_NE(smuggled.find("two different Content-Length headers"), std::string::npos) << smuggled;
    server.stop();
}

// ---- sync: /ready --------------------------------------------------------------------------

TEST(SyncOps, ReadyNeedsTheFeedAndKindesSide) {
    RpcStandIn postgrest;
    Metrics metrics("sync");
    std::optional<NotReady> kinde;
    SyncHealthServer server("127.0.0.1", 0, ClientConfig{postgrest.url(), "", "", HttpTimeouts{1000, 3000}, ""}, metrics,
                            [](const std::string &) {}, [] { return 200L; }, [&kinde] { return kinde; });
    postgrest.answer(200, R"({"unpushed": 4, "lag_seconds": 2.5, "oldest_unpushed_at": "2024-05-01T00:00:00Z"})");
    SyncHealthServer::Answer ready = server.answer("GET", "/ready");
    EXPECT_EQ(ready.status, 200u) << ready.body;
    EXPECT_EQ(ready.body, R"({"status":"ready","unpushed":4,"lag_seconds":2.5})");
    EXPECT_EQ(sample(metrics.render(), "kinde_claims_feed_unpushed_changes"), 4);

    kinde = NotReady{"configuration", "Kinde refused the M2M credentials: invalid_client"};
    SyncHealthServer::Answer refused = server.answer("GET", "/ready");
    EXPECT_EQ(refused.status, 503u);
    EXPECT_NE(refused.body.find(R"("cause":"configuration")"), std::string::npos) << refused.body;
    EXPECT_NE(refused.body.find("invalid_client"), std::string::npos) << refused.body;

    kinde.reset();
    postgrest.answer(403, R"({"code":"42501","message":"permission denied for function kinde_claims_changes_lag"})");
    SyncHealthServer::Answer feed = server.answer("GET", "/ready");
    EXPECT_EQ(feed.status, 503u);
    EXPECT_NE(feed.body.find(R"("cause":"configuration")"), std::string::npos) << feed.body;
    postgrest.answer(502, "{}");
    EXPECT_NE(server.answer("GET", "/ready").body.find(R"("cause":"unavailable")"), std::string::npos);
    EXPECT_EQ(server.answer("GET", "/live").status, 200u);  // live whatever the feed says
    EXPECT_EQ(server.answer("GET", "/metrics").status, 200u);
    EXPECT_EQ(server.answer("DELETE", "/ready").status, 405u);
    EXPECT_EQ(server.answer("GET", "/nope").status, 404u);
}

// ---- sync: what Kinde answered lately (/healthz, /ready, the summary line) -------------------

TEST(RefreshWindow, CountsEachOutcomeOverTheWindowAndForgetsOlderCalls) {
    auto at = RefreshWindow::Clock::time_point(std::chrono::hours(1000));
    RefreshWindow window(std::chrono::seconds(300), [&at] { return at; });
    EXPECT_STREQ(window.summary().health(), "ok");  // nothing called: nothing to judge
    window.add(RefreshOutcome::refreshed, 200);
    window.add(RefreshOutcome::refreshed, 200);
    EXPECT_STREQ(window.summary().health(), "ok");
    at += std::chrono::seconds(10);
    window.add(RefreshOutcome::rejected, 404);
    window.add(RefreshOutcome::throttled, 429);
    window.add(RefreshOutcome::unavailable, 0);
    RefreshWindow::Summary summary = window.summary();
    EXPECT_EQ(summary.total(), 5);
    EXPECT_EQ(summary.of(RefreshOutcome::rejected), 1);
    EXPECT_EQ(summary.of(RefreshOutcome::throttled), 1);
    EXPECT_EQ(summary.of(RefreshOutcome::unavailable), 1);
    EXPECT_STREQ(summary.health(), "degraded");
    EXPECT_FALSE(summary.misconfigured());
    ASSERT_TRUE(summary.last_problem);
    EXPECT_EQ(*summary.last_problem, RefreshOutcome::unavailable);
    EXPECT_EQ(summary.last_problem_status, 0);
    EXPECT_EQ(json_text(summary.json().get()),
              R"({"window_seconds":300,"calls":{"refreshed":2,"rejected":1,"unauthorized":0,"forbidden":0,)"
              R"("throttled":1,"unavailable":1},"last_problem":{"outcome":"unavailable","status":0,"seconds_ago":0.0}})");
    EXPECT_EQ(summary.log_fields(), " seconds=300 calls=5 refreshed=2 rejected=1 unauthorized=0 forbidden=0 throttled=1 "
                                    "unavailable=1 last_problem=unavailable last_status=0 health=degraded");
    // The last minute holds only the three problems: not one refresh.
    EXPECT_EQ(window.summary(std::chrono::seconds(5)).total(), 3);
    EXPECT_STREQ(window.summary(std::chrono::seconds(5)).health(), "failing");
    // Five minutes on, the first two are out of the window, and six minutes on all are.
    at += std::chrono::seconds(295);
    EXPECT_EQ(window.summary().total(), 3);
    at += std::chrono::seconds(60);
    EXPECT_EQ(window.summary().total(), 0);
    EXPECT_FALSE(window.summary().last_problem);
    EXPECT_STREQ(window.summary().health(), "ok");
}

TEST(RefreshWindow, EveryCallRefusedIsConfigurationOnlyFromThreeCalls) {
    auto at = RefreshWindow::Clock::time_point(std::chrono::hours(1000));
    RefreshWindow window(std::chrono::seconds(300), [&at] { return at; });
    window.add(RefreshOutcome::rejected, 404);
    window.add(RefreshOutcome::rejected, 404);
    EXPECT_FALSE(window.summary().misconfigured());  // two users Kinde does not know: not an outage
    EXPECT_STREQ(window.summary().health(), "degraded");
    window.add(RefreshOutcome::rejected, 404);
    EXPECT_TRUE(window.summary().misconfigured());
    EXPECT_STREQ(window.summary().health(), "failing");
    EXPECT_NE(window.summary().misconfigured_reason().find("KINDE_DOMAIN"), std::string::npos);
    window.add(RefreshOutcome::rejected, 400);  // a 400 is about the request, not the environment
    EXPECT_FALSE(window.summary().misconfigured());
    window.add(RefreshOutcome::refreshed, 200);
    EXPECT_STREQ(window.summary().health(), "degraded");
    RefreshWindow forbidden(std::chrono::seconds(300), [&at] { return at; });
    for (int i = 0; i < 3; ++i)
        forbidden.add(i == 0 ? RefreshOutcome::unauthorized : RefreshOutcome::forbidden, i == 0 ? 401 : 403);
    EXPECT_TRUE(forbidden.summary().misconfigured());
    RefreshWindow throttled(std::chrono::seconds(300), [&at] { return at; });
    for (int i = 0; i < 3; ++i)
        throttled.add(RefreshOutcome::throttled, 429);
    EXPECT_FALSE(throttled.summary().misconfigured());  // slowed down, not refused
    EXPECT_STREQ(throttled.summary().health(), "failing");
}

TEST(RefreshWindow, ReportsHoldEachCallOnce) {
    auto at = RefreshWindow::Clock::time_point(std::chrono::hours(1000));
    RefreshWindow window(std::chrono::seconds(300), [&at] { return at; });
    window.add(RefreshOutcome::rejected, 404);
    at += std::chrono::milliseconds(59900);
    window.add(RefreshOutcome::refreshed, 200);
    at += std::chrono::milliseconds(100);
    RefreshWindow::Summary first = window.take_report();
    EXPECT_EQ(first.span.count(), 60);
    EXPECT_EQ(first.total(), 2);
    EXPECT_EQ(first.log_fields(), " seconds=60 calls=2 refreshed=1 rejected=1 unauthorized=0 forbidden=0 throttled=0 "
                                  "unavailable=0 last_problem=rejected last_status=404 health=degraded");
    at += std::chrono::seconds(60);
    EXPECT_EQ(window.take_report().total(), 0);  // nothing since: the summary line is not logged
    for (int i = 0; i < 3; ++i)
        window.add(RefreshOutcome::rejected, 404);
    RefreshWindow::Summary third = window.take_report();
    EXPECT_TRUE(third.misconfigured());
    EXPECT_STREQ(third.health(), "failing");
}

TEST(SyncOps, HealthzSaysWhatKindeAnsweredLately) {
    RpcStandIn postgrest;
    Metrics metrics("sync");
    auto at = RefreshWindow::Clock::time_point(std::chrono::hours(1000));
    RefreshWindow window(std::chrono::seconds(300), [&at] { return at; });
    SyncHealthServer server("127.0.0.1", 0, ClientConfig{postgrest.url(), "", "", HttpTimeouts{1000, 3000}, ""}, metrics,
                            [](const std::string &) {}, [] { return 404L; },
                            [] { return std::optional<NotReady>(); }, &window);
    postgrest.answer(200, R"({"unpushed": 0, "lag_seconds": 0, "oldest_unpushed_at": null})");
    auto status_of = [](const SyncHealthServer::Answer &answer) {
        Json body = json_parse(answer.body);
        return std::to_string(answer.status) + " " + std::string(json_string_member(body.get(), "status").value_or(""));
    };
    EXPECT_EQ(status_of(server.answer("GET", "/healthz")), "200 ok");
    window.add(RefreshOutcome::refreshed, 200);
    window.add(RefreshOutcome::rejected, 404);
    EXPECT_EQ(status_of(server.answer("GET", "/healthz")), "200 degraded");
    at += std::chrono::seconds(301);  // those leave the window
    EXPECT_EQ(status_of(server.answer("GET", "/healthz")), "200 ok");
    for (int i = 0; i < 3; ++i)
        window.add(RefreshOutcome::rejected, 404);  // the wrong Kinde environment: every user 404
    SyncHealthServer::Answer failing = server.answer("GET", "/healthz");
    EXPECT_EQ(status_of(failing), "503 failing") << failing.body;
    EXPECT_NE(failing.body.find(R"("lag_seconds":0)"), std::string::npos) << failing.body;
    EXPECT_NE(failing.body.find(R"("rejected":3)"), std::string::npos) << failing.body;
    EXPECT_NE(failing.body.find(R"("last_problem":{"outcome":"rejected","status":404)"), std::string::npos)
        << failing.body;
}

// ---- log lines ------------------------------------------------------------------------------

TEST(LogFormat, JsonCarriesTheSameFields) {
    auto when = std::chrono::system_clock::time_point(std::chrono::milliseconds(1717243200123));
    std::string line = "webhook status=503 cause=configuration" + log_field("type", "user.created") +
                       log_field("reason", "say \"no\"\\ \nforged=1") + " bytes=684 ms=4";
    Json parsed = json_parse(json_log_line(line, when));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(json_text(parsed.get()),
              R"({"time":"2024-06-01T12:00:00.123Z","msg":"webhook","status":503,"cause":"configuration",)"
              R"("type":"user.created","reason":"say \"no\"\\ \nforged=1","bytes":684,"ms":4})");
}

TEST(LogFormat, MessagesWithoutFieldsAndOddBytesStayWhole) {
    auto when = std::chrono::system_clock::time_point();
    EXPECT_EQ(json_log_line("stopping on signal 15", when),
              R"({"time":"1970-01-01T00:00:00.000Z","msg":"stopping on signal 15"})");
    EXPECT_EQ(json_log_line("sync started" + log_field("worker", "h:1") + " concurrency=4", when),
              R"({"time":"1970-01-01T00:00:00.000Z","msg":"sync started","worker":"h:1","concurrency":4})");
    // Bytes that are not UTF-8 (a path as a client sent it) are kept as \xNN, never dropped.
    EXPECT_EQ(json_log_line("request" + log_field("path", "/\xff"), when),
              R"({"time":"1970-01-01T00:00:00.000Z","msg":"request","path":"/\\xff"})");
    // A line whose fields do not read back is kept whole.
    EXPECT_EQ(json_log_line("odd a=\"unterminated", when),
              R"({"time":"1970-01-01T00:00:00.000Z","msg":"odd a=\"unterminated"})");
}

TEST(LogFormat, RepeatLimiterLogsOnceAMinuteSayingHowManyWereHeldBack) {
    auto now = std::chrono::steady_clock::time_point(std::chrono::hours(1));
    RepeatLimiter limiter(std::chrono::seconds(60), [&now] { return now; });
    EXPECT_EQ(limiter.admit("feed", "feed status=403"), "feed status=403");
    now += std::chrono::seconds(1);
    EXPECT_EQ(limiter.admit("feed", "feed status=403"), "");
    EXPECT_EQ(limiter.admit("feed", "feed status=403"), "");
    EXPECT_EQ(limiter.admit("token", "token outcome=failed"), "token outcome=failed");  // another kind
    now += std::chrono::seconds(59);
    EXPECT_EQ(limiter.admit("feed", "feed status=403"), "feed status=403 repeated=2");
    now += std::chrono::seconds(59);
    EXPECT_EQ(limiter.admit("feed", "feed status=404"), "");
}

// ---- flags and help ------------------------------------------------------------------------

std::optional<Invocation> parse(std::vector<std::string> args, std::string &error) {
    std::map<std::string, std::string> env = {{"KINDE_CLAIMS_URL", "http://127.0.0.1:3000"},
                                              {"KINDE_DOMAIN", "myapp.kinde.com"},
                                              {"KINDE_M2M_CLIENT_ID", "id"},
                                              {"KINDE_M2M_CLIENT_SECRET", "secret"}};
    return parse_invocation(args, [env](const std::string &name) -> std::optional<std::string> {
        auto found = env.find(name);
        return found == env.end() ? std::nullopt : std::optional<std::string>(found->second);
    }, error);
}

TEST(OpsFlags, VersionOnEveryCommandAndLogFormatAndOnce) {
    std::string error;
    for (std::vector<std::string> args : {std::vector<std::string>{"--version"}, {"claims", "--version"},
                                          {"upsert", "--version"}, {"serve", "--version"}, {"sync", "--version"}}) {
        std::optional<Invocation> invocation = parse(args, error);
        ASSERT_TRUE(invocation) << error;
        EXPECT_TRUE(invocation->version) << args[0];
    }
    EXPECT_EQ(parse({"serve"}, error)->log_format, LogFormat::text);
    EXPECT_EQ(parse({"serve", "--log-format", "json"}, error)->log_format, LogFormat::json);
    EXPECT_EQ(parse({"sync", "--log-format=json"}, error)->log_format, LogFormat::json);
    EXPECT_FALSE(parse({"sync", "--log-format", "xml"}, error));
    EXPECT_EQ(error, "--log-format takes text or json");
    EXPECT_FALSE(parse({"claims", "kp_1", "--log-format", "json"}, error));  // claims logs nothing
    EXPECT_FALSE(parse({"sync"}, error)->sync.once);
    EXPECT_TRUE(parse({"sync", "--once"}, error)->sync.once);
    EXPECT_FALSE(parse({"sync", "--once=yes"}, error));
    EXPECT_EQ(error, "--once takes no value");
    EXPECT_FALSE(parse({"serve", "--once"}, error));
    EXPECT_STRNE(shim_version(), "");
}

TEST(OpsFlags, EachCommandsHelpListsOnlyItsOwnExitCodes) {
    auto codes = [](const std::string &text) {
        std::string listed;
        std::regex code("\n  ([0-9]{1,2}) ");
        for (auto it = std::sregex_iterator(text.begin(), text.end(), code); it != std::sregex_iterator(); ++it)
            listed += (listed.empty() ? "" : " ") + (*it)[1].str();
        return listed;
    };
    auto exit_part = [](const std::string &text) { return text.substr(text.find("Exit codes")); };
    EXPECT_EQ(codes(exit_part(usage_text(Command::claims))), "0 64 65 69 70");
    EXPECT_EQ(codes(exit_part(usage_text(Command::upsert))), "0 64 65 69 70");
    EXPECT_EQ(codes(exit_part(usage_text(Command::serve))), "0 64 69");
    EXPECT_EQ(codes(exit_part(usage_text(Command::sync))), "0 64 69 78");
    EXPECT_EQ(codes(exit_part(usage_text())), "0 64 65 69 70 78");
    EXPECT_NE(usage_text(Command::sync).find("--once"), std::string::npos);
    EXPECT_NE(usage_text(Command::serve).find("--log-format"), std::string::npos);
    EXPECT_EQ(usage_text(Command::claims).find("--log-format"), std::string::npos);
}

}  // namespace
