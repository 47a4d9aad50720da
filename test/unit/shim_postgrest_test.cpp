// What a PostgREST answer means for a script (exit code) and for Kinde (webhook status).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/exit_codes.hpp"
#include "net/postgrest_client.hpp"

namespace {

using namespace kinde_claims::shim;

RpcResult classify(long status, std::string body) {
    return rpc_result_from(HttpResponse{status, std::move(body)}, "");
}

TEST(PostgrestAnswers, SuccessIsTheFunctionsJsonAsSent) {
    RpcResult result = classify(200, R"({"plan": "pro", "lifetime_subscriber": true})");
    EXPECT_EQ(result.outcome, RpcOutcome::ok);
    EXPECT_EQ(result.body, R"({"plan": "pro", "lifetime_subscriber": true})");
    EXPECT_EQ(exit_code_for(result.outcome), kExitOk);
}

TEST(PostgrestAnswers, FourHundredsAreRejectionsWithPostgrestsMessage) {
    RpcResult result = classify(
        400,
        R"({"code":"22023","details":"A Kinde user id is ...","hint":null,"message":"invalid Kinde user id \"x\""})");
    EXPECT_EQ(result.outcome, RpcOutcome::rejected);
    EXPECT_EQ(result.message,
              "PostgREST answered 400 (22023): invalid Kinde user id \"x\" - A Kinde user id is ...");
    EXPECT_EQ(exit_code_for(result.outcome), kExitRejected);
    EXPECT_EQ(classify(401, R"({"code":"42501","message":"permission denied for function kinde_claims_for"})")
                  .outcome,
              RpcOutcome::rejected);
    EXPECT_EQ(classify(404, "").message, "PostgREST answered 404");
}

TEST(PostgrestAnswers, FiveHundredsAndNoAnswerAreUnavailable) {
    RpcResult down =
        classify(503, R"({"code":"PGRST001","message":"Database client error. Retrying the connection."})");
    EXPECT_EQ(down.outcome, RpcOutcome::unavailable);
    EXPECT_EQ(exit_code_for(down.outcome), kExitUnavailable);
    RpcResult refused = rpc_result_from(std::nullopt, "Couldn't connect to server");
    EXPECT_EQ(refused.outcome, RpcOutcome::unavailable);
    EXPECT_EQ(refused.message, "no answer from PostgREST: Couldn't connect to server");
    EXPECT_EQ(classify(500, "oops").outcome, RpcOutcome::unavailable);
}

TEST(PostgrestAnswers, ASuccessThatIsNotJsonIsUnexpected) {
    RpcResult html = classify(200, "<html>login</html>");
    EXPECT_EQ(html.outcome, RpcOutcome::unexpected);
    EXPECT_EQ(exit_code_for(html.outcome), kExitInternal);
}

// A loopback port that was free a moment ago: nothing listens there, so a connect is refused.
int closed_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    bind(fd, reinterpret_cast<sockaddr *>(&address), length);
    getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length);
    close(fd);
    return ntohs(address.sin_port);
}

TEST(PostgrestClientTest, NothingListeningIsUnavailable) {
    std::string url = "http://127.0.0.1:" + std::to_string(closed_port());
    PostgrestClient client(ClientConfig{url, "", "", HttpTimeouts{500, 1000}, ""});
    RpcResult result = client.get("kinde_claims_for", {{"user_id", "kp_1"}});
    EXPECT_EQ(result.outcome, RpcOutcome::unavailable);
    EXPECT_EQ(result.status, 0);
}

}  // namespace
