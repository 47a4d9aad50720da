// What `serve` answers for a verified event, whatever PostgREST answers: against a stand-in for
// PostgREST made with libmicrohttpd that answers each RPC call with a set status and body.
#include <gtest/gtest.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <mutex>

#include "serve/webhook_server.hpp"
#include "test_keys.hpp"

namespace {

using namespace kinde_claims::shim;
namespace test = kinde_claims::test;

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
    std::string body_;
    std::atomic<int> calls_{0};
};

// An ISO 8601 UTC time `seconds` from now.
std::string utc_from_now(long seconds) {
    std::time_t when = std::time(nullptr) + seconds;
    std::tm parts{};
    gmtime_r(&when, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

class WebhookServerTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { key_ = new test::Jwk(test::rsa_key("k1")); }
    static void TearDownTestSuite() { delete key_; }

    WebhookServerTest()
        : keys_([](std::string &) -> std::optional<std::string> { return test::jwks_of({key_->get()}); }) {
        keys_.load();
    }
    std::string token(const std::string &event_id, const std::string &timestamp) {
        return test::sign(key_->get(), test::payload("user.updated", event_id, "kp_1", timestamp), "k1");
    }
    WebhookServer::Answer deliver(const std::string &body) {
        WebhookServer server(ServeConfig{}, ClientConfig{postgrest_.url(), "", "", HttpTimeouts{1000, 3000}, ""},
                             keys_, [this](const std::string &line) { log_.push_back(line); }, metrics_);
        return server.webhook(body, "application/jwt", false);
    }

    static test::Jwk *key_;
    RpcStandIn postgrest_;
    Metrics metrics_{"serve"};
    JwksCache keys_;
    std::vector<std::string> log_;
};
test::Jwk *WebhookServerTest::key_;

TEST_F(WebhookServerTest, AnAppliedEventIs200WithTheDatabasesAnswer) {
    postgrest_.answer(200, R"({"result": "applied", "profile": "exists"})");
    WebhookServer::Answer answer = deliver(token("event_1", "2024-05-01T00:00:00Z"));
    EXPECT_EQ(answer.status, 200u);
    EXPECT_EQ(answer.body, R"({"result": "applied", "profile": "exists"})");
    EXPECT_EQ(answer.retry_after, 0u);
    EXPECT_EQ(postgrest_.calls(), 1);
}

// kinde_webhook_apply answers "future" (its clock) without writing: Kinde must deliver it again.
TEST_F(WebhookServerTest, TheDatabasesFutureAnswerIsA503ToRetry) {
    postgrest_.answer(200, R"({"result": "future", "event_id": "event_2"})");
    WebhookServer::Answer answer = deliver(token("event_2", utc_from_now(240)));
    EXPECT_EQ(answer.status, 503u);
    EXPECT_EQ(answer.retry_after, 60u);  // not ahead of our clock: a minute
    EXPECT_NE(answer.body.find("ahead of the database's clock"), std::string::npos) << answer.body;
    EXPECT_EQ(postgrest_.calls(), 1);
    ASSERT_EQ(log_.size(), 1u);
    EXPECT_EQ(log_[0].rfind("webhook status=503 result=future type=\"user.updated\" event_id=\"event_2\"", 0),
              0u)
        << log_[0];
}

// Ahead of our own clock: not forwarded at all.
TEST_F(WebhookServerTest, AnEventAheadOfOurClockIsA503WithoutAnRpcCall) {
    postgrest_.answer(200, R"({"result": "applied", "profile": "exists"})");
    WebhookServer::Answer answer = deliver(token("event_3", utc_from_now(3600)));
    EXPECT_EQ(answer.status, 503u);
    EXPECT_GE(answer.retry_after, 3290u);
    EXPECT_LE(answer.retry_after, 3301u);
    EXPECT_NE(answer.body.find("ahead of the receiver's clock"), std::string::npos) << answer.body;
    EXPECT_EQ(postgrest_.calls(), 0);
    // Five minutes ahead is within the allowance (clocks differ by seconds).
    deliver(token("event_4", utc_from_now(290)));
    EXPECT_EQ(postgrest_.calls(), 1);
}

TEST_F(WebhookServerTest, PostgrestsAnswersMapToKindesRetries) {
    postgrest_.answer(400, R"({"code":"22023","message":"invalid webhook event"})");
    EXPECT_EQ(deliver(token("event_5", "2024-05-01T00:00:00Z")).status, 400u);  // never applies
    postgrest_.answer(403, R"({"code":"42501","message":"permission denied"})");
    EXPECT_EQ(deliver(token("event_5", "2024-05-01T00:00:00Z")).status, 503u);  // our configuration
    postgrest_.answer(503, R"({"code":"PGRST001","message":"no connection"})");
    EXPECT_EQ(deliver(token("event_5", "2024-05-01T00:00:00Z")).status, 503u);
}

TEST(LogField, EscapesWhatCouldBreakOrForgeALine) {
    EXPECT_EQ(log_field("path", "/a\"b\\c\nwebhook status=200\x7f"),
              " path=\"/a\\\"b\\\\c\\x0awebhook status=200\\x7f\"");
    EXPECT_EQ(log_field("m", std::string(300, 'x')), " m=\"" + std::string(240, 'x') + "...\"");
}

}  // namespace
