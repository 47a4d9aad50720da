// `sync`'s parts that decide when and how to call Kinde: the back-off, the token bucket, the M2M
// token cache, what each answer means, the lease's parsing and the sync flags.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <optional>

#include "common/backoff.hpp"
#include "common/config.hpp"
#include "sync/kinde_mgmt_client.hpp"
#include "sync/m2m_token_cache.hpp"
#include "sync/sync.hpp"
#include "sync/token_bucket.hpp"

namespace {

using namespace kinde_claims::shim;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

TEST(SyncBackoff, DoublesFromBaseToCapWithinEqualJitter) {
    double draw = 0.0;
    Backoff backoff(250ms, 4000ms, [&draw] { return draw; });
    // The lowest draw gives half the ceiling, the highest (just under 1) almost all of it.
    EXPECT_EQ(backoff.next_delay(), 125ms);
    EXPECT_EQ(backoff.next_delay(), 250ms);
    EXPECT_EQ(backoff.next_delay(), 500ms);
    draw = 0.999;
    EXPECT_EQ(backoff.next_delay(), 1999ms);
    EXPECT_EQ(backoff.next_delay(), 3998ms);  // the ceiling reached the cap
    EXPECT_EQ(backoff.next_delay(), 3998ms);  // and stays there
    EXPECT_EQ(backoff.failures(), 6u);
    backoff.reset();
    draw = 0.0;
    EXPECT_EQ(backoff.next_delay(), 125ms) << "a success starts the doubling again";
}

TEST(SyncBackoff, ManyFailuresNeitherOverflowNorPassTheCap) {
    Backoff backoff(250ms, 30000ms, [] { return 0.5; });
    for (int i = 0; i < 200; ++i) {
        milliseconds delay = backoff.next_delay();
        ASSERT_GT(delay, 0ms);
        ASSERT_LE(delay, 30000ms);
    }
    EXPECT_EQ(backoff.next_delay(), 22500ms);
}

TEST(SyncBackoff, TheDefaultRandomSpreadsTheWaits) {
    Backoff a(1000ms, 1000ms), b(1000ms, 1000ms);
    bool differ = false;
    for (int i = 0; i < 20 && !differ; ++i) {
        milliseconds first = a.next_delay(), second = b.next_delay();
        ASSERT_GE(first, 500ms);
        ASSERT_LT(first, 1000ms);
        differ = first != second;
    }
    EXPECT_TRUE(differ) << "two processes failing together must not retry in lockstep";
}

class SyncTokenBucket : public ::testing::Test {
protected:
    TokenBucket bucket(double rate, double burst) {
        return TokenBucket(rate, burst, [this] { return now; });
    }
    TokenBucket::Clock::time_point now = TokenBucket::Clock::time_point{} + 1000h;
};

TEST_F(SyncTokenBucket, ABurstGoesAtOnceThenTheRateApplies) {
    TokenBucket limit = bucket(10, 3);
    EXPECT_EQ(limit.take(), 0ms);
    EXPECT_EQ(limit.take(), 0ms);
    EXPECT_EQ(limit.take(), 0ms);
    // Empty: takers queue 100 ms apart.
    EXPECT_EQ(limit.take(), 100ms);
    EXPECT_EQ(limit.take(), 200ms);
    now += 300ms;  // 3 more tokens, 2 of them owed to the takers above
    EXPECT_EQ(limit.take(), 0ms);
    EXPECT_EQ(limit.take(), 100ms);
    now += 10s;  // a long quiet time fills it to the burst, no more
    EXPECT_EQ(limit.take(), 0ms);
    EXPECT_EQ(limit.take(), 0ms);
    EXPECT_EQ(limit.take(), 0ms);
    EXPECT_EQ(limit.take(), 100ms);
}

TEST_F(SyncTokenBucket, OverTimeTheRateHolds) {
    TokenBucket limit = bucket(20, 20);
    int calls = 0;
    auto start = now;
    // 10 s of takers that each go as soon as they are allowed: 20 at once, then 20 a second.
    while (now - start < 10s) {
        now += limit.take();
        ++calls;
    }
    EXPECT_GE(calls, 219);
    EXPECT_LE(calls, 221);
}

TEST_F(SyncTokenBucket, A429PausesEveryTakerUntilTheReset) {
    TokenBucket limit = bucket(10, 10);
    EXPECT_EQ(limit.take(), 0ms);
    limit.pause_until(now + 5s);
    EXPECT_EQ(limit.pause_left(), 5s);
    // The bucket emptied: one token at the reset, then the rate.
    EXPECT_EQ(limit.take(), 5s);
    EXPECT_EQ(limit.take(), 5100ms);
    // A shorter pause does not cut the longer one short.
    limit.pause_until(now + 1s);
    EXPECT_EQ(limit.pause_left(), 5s);
    now += 6s;
    EXPECT_EQ(limit.pause_left(), 0ms);
    EXPECT_EQ(limit.take(), 0ms) << "after the pause the bucket fills again";
}

TEST_F(SyncTokenBucket, ATakerThatCannotWaitSoLongTakesNothing) {
    TokenBucket limit = bucket(10, 1);
    EXPECT_EQ(limit.take(), 0ms);
    // The next turn is 100 ms away: a worker whose lease ends in 50 ms gives up without a token.
    EXPECT_FALSE(limit.take(50ms).has_value());
    EXPECT_FALSE(limit.take(99ms).has_value());
    // So the next taker is not queued behind turns nobody used.
    std::optional<TokenBucket::Turn> turn = limit.take(100ms);
    ASSERT_TRUE(turn.has_value());
    EXPECT_EQ(turn->wait, 100ms);
    EXPECT_EQ(limit.take(), 200ms);
}

TEST_F(SyncTokenBucket, APauseVoidsTheTurnsHandedOutBeforeIt) {
    TokenBucket limit = bucket(10, 1);
    EXPECT_EQ(limit.take(), 0ms);
    std::optional<TokenBucket::Turn> first = limit.take(1s), second = limit.take(1s);
    ASSERT_TRUE(first && second);
    EXPECT_EQ(second->wait, 200ms);
    EXPECT_EQ(first->pauses, limit.pauses());
    limit.pause_until(now + 1s);  // a 429 with RateLimit-Reset: 1
    EXPECT_NE(first->pauses, limit.pauses()) << "the waiting takers see their turns voided";
    now += 1s;
    // They queue again: one call at the reset, then the rate; not three at once, and no debt
    // left by the void turns.
    std::optional<TokenBucket::Turn> again = limit.take(1s);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->wait, 0ms);
    EXPECT_EQ(again->pauses, limit.pauses());
    EXPECT_EQ(limit.take(), 100ms);
    // A pause that ends before the one in force changes nothing, and voids nothing.
    unsigned long pauses = limit.pauses();
    limit.pause_until(now - 1s);
    EXPECT_EQ(limit.pauses(), pauses);
}

TEST(SyncLeaseSize, ALeaseHoldsNoMoreUsersThanAWorkerCanCallInIt) {
    SyncConfig sync;  // the defaults: 20 calls/s, 4 workers, 20 users, 30 s leases
    auto usable = usable_lease_time(sync, 5000ms);
    EXPECT_EQ(usable, 24s) << "the lease less the longest call and a second";
    EXPECT_EQ(lease_size(sync, usable), 20u) << "the defaults lease --batch";
    sync.batch = 1000;  // 20 calls/s shared by 4 workers for 24 s: 120 each
    EXPECT_EQ(lease_size(sync, usable), 120u);
    sync.rate = 1;  // 6 each
    EXPECT_EQ(lease_size(sync, usable), 6u);
    sync.rate = 0.01;
    EXPECT_EQ(lease_size(sync, usable), 1u) << "at least one user";
    sync.lease_seconds = 4;
    EXPECT_EQ(usable_lease_time(sync, 5000ms), 2s) << "at least half the lease";
}

class SyncTokenCache : public ::testing::Test {
protected:
    M2mTokenCache cache() {
        return M2mTokenCache(
            [this](M2mTokenFailure &failure) -> std::optional<M2mToken> {
                ++fetches;
                if (!next_failure.message.empty()) {
                    failure = next_failure;
                    return std::nullopt;
                }
                return M2mToken{"token-" + std::to_string(fetches), expires_in};
            },
            [this] { return now; });
    }
    M2mTokenCache::Clock::time_point now = M2mTokenCache::Clock::time_point{} + 1000h;
    std::chrono::seconds expires_in = 86400s;
    M2mTokenFailure next_failure;
    int fetches = 0;
};

TEST_F(SyncTokenCache, KeptUntilAMinuteBeforeItExpires) {
    M2mTokenCache tokens = cache();
    M2mTokenFailure failure;
    EXPECT_EQ(tokens.token(failure), "token-1");
    now += 86400s - 61s;
    EXPECT_EQ(tokens.token(failure), "token-1");
    now += 1s;
    EXPECT_EQ(tokens.token(failure), "token-2") << "in its last minute a token is replaced";
    EXPECT_EQ(fetches, 2);
}

TEST_F(SyncTokenCache, AShortLivedTokenIsKeptForHalfItsLife) {
    expires_in = 60s;
    M2mTokenCache tokens = cache();
    M2mTokenFailure failure;
    EXPECT_EQ(tokens.token(failure), "token-1");
    now += 29s;
    EXPECT_EQ(tokens.token(failure), "token-1");
    now += 1s;
    EXPECT_EQ(tokens.token(failure), "token-2");
}

TEST_F(SyncTokenCache, A401DropsTheTokenOnceEvenWhenTwoThreadsSawIt) {
    M2mTokenCache tokens = cache();
    M2mTokenFailure failure;
    std::string refused = *tokens.token(failure);
    tokens.invalidate(refused);
    EXPECT_EQ(tokens.token(failure), "token-2");
    // A second thread's 401 for the old token must not throw away the new one.
    tokens.invalidate(refused);
    EXPECT_EQ(tokens.token(failure), "token-2");
    EXPECT_EQ(fetches, 2);
}

TEST_F(SyncTokenCache, AFailedFetchKeepsNothingAndSaysWhy) {
    next_failure = {"Kinde's token endpoint answered 401 (invalid_client)", false};
    M2mTokenCache tokens = cache();
    M2mTokenFailure failure;
    EXPECT_FALSE(tokens.token(failure));
    EXPECT_EQ(failure.message, "Kinde's token endpoint answered 401 (invalid_client)");
    EXPECT_FALSE(tokens.token(failure));
    EXPECT_EQ(fetches, 2) << "each call tries again; the caller backs off";
}

TEST(SyncKindeAnswers, EachStatusMeansWhatTheIssueSays) {
    auto outcome = [](long status) { return refresh_answer_from(status, std::nullopt, "").outcome; };
    EXPECT_EQ(outcome(200), RefreshOutcome::refreshed);
    EXPECT_EQ(outcome(204), RefreshOutcome::refreshed);
    EXPECT_EQ(outcome(400), RefreshOutcome::rejected);
    EXPECT_EQ(outcome(404), RefreshOutcome::rejected);
    EXPECT_EQ(outcome(401), RefreshOutcome::unauthorized);
    EXPECT_EQ(outcome(403), RefreshOutcome::forbidden);
    EXPECT_EQ(outcome(429), RefreshOutcome::throttled);
    EXPECT_EQ(outcome(408), RefreshOutcome::unavailable);
    EXPECT_EQ(outcome(500), RefreshOutcome::unavailable);
    EXPECT_EQ(outcome(503), RefreshOutcome::unavailable);
    EXPECT_EQ(outcome(0), RefreshOutcome::unavailable);
    EXPECT_EQ(outcome(302), RefreshOutcome::unavailable) << "a redirect is not a success";
}

TEST(SyncKindeAnswers, RateLimitResetIsReadAsSeconds) {
    EXPECT_EQ(refresh_answer_from(429, std::string("7"), "").reset, 7s);
    EXPECT_EQ(refresh_answer_from(429, std::string("0"), "").reset, 0s);
    EXPECT_FALSE(refresh_answer_from(429, std::nullopt, "").reset);
    EXPECT_FALSE(refresh_answer_from(429, std::string("soon"), "").reset);
    EXPECT_FALSE(refresh_answer_from(429, std::string("-3"), "").reset);
    EXPECT_FALSE(refresh_answer_from(429, std::string("99999999999"), "").reset);
}

TEST(SyncKindeAnswers, TokenAnswers) {
    M2mTokenFailure failure;
    auto ok = m2m_token_from(200, R"({"access_token":"eyJ.x.y","expires_in":86400,"token_type":"bearer"})", "",
                             failure);
    ASSERT_TRUE(ok) << failure.message;
    EXPECT_EQ(ok->access_token, "eyJ.x.y");
    EXPECT_EQ(ok->expires_in, 86400s);

    EXPECT_FALSE(m2m_token_from(401, R"({"error":"invalid_client","error_description":"x"})", "", failure));
    EXPECT_FALSE(failure.unavailable);
    EXPECT_EQ(failure.message, "Kinde's token endpoint answered 401 (invalid_client)");

    EXPECT_FALSE(m2m_token_from(503, "", "", failure));
    EXPECT_TRUE(failure.unavailable);
    EXPECT_FALSE(m2m_token_from(0, "", "Connection refused", failure));
    EXPECT_TRUE(failure.unavailable);
    EXPECT_EQ(failure.message, "no answer from Kinde's token endpoint: Connection refused");
    for (const char *body : {R"({"expires_in":60})", R"({"access_token":"","expires_in":60})",
                             R"({"access_token":"t","expires_in":0})", R"({"access_token":"t","expires_in":"60"})",
                             R"({"access_token":"t\r\nX-Injected: 1","expires_in":60})",
                             R"({"access_token":"t t","expires_in":60})", "not json"}) {
        failure = {};
        EXPECT_FALSE(m2m_token_from(200, body, "", failure)) << body;
        EXPECT_FALSE(failure.message.empty()) << body;
    }
}

TEST(SyncLease, ParsesUsersAndTheEmptyLease) {
    std::string error;
    auto lease = lease_from(R"({"lease_id": 42, "users": [{"user_id": "kp_a1", "changes": 3,
        "oldest_changed_at": "2026-11-30T10:00:00+00:00"}, {"user_id": "kp_b2", "changes": 1}]})",
                            error);
    ASSERT_TRUE(lease) << error;
    EXPECT_EQ(lease->lease_id, 42);
    ASSERT_EQ(lease->users.size(), 2u);
    EXPECT_EQ(lease->users[0].user_id, "kp_a1");
    EXPECT_EQ(lease->users[0].changes, 3);
    auto empty = lease_from(R"({"lease_id": null, "users": []})", error);
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->users.empty());
    for (const char *bad : {R"({"lease_id": null, "users": [{"user_id": "kp_a1"}]})", R"({"users": []})",
                            R"({"lease_id": 1, "users": [{"changes": 1}]})", R"([])", "nope"}) {
        error.clear();
        EXPECT_FALSE(lease_from(bad, error)) << bad;
        EXPECT_FALSE(error.empty()) << bad;
    }
}

TEST(SyncLease, ReadsTheLsnItsChangesCommittedBefore) {
    std::string error;
    auto lease = lease_from(R"({"lease_id": 7, "users": [{"user_id": "kp_a1", "changes": 1}], "wait_lsn": "16/B374D848"})",
                            error);
    ASSERT_TRUE(lease) << error;
    ASSERT_TRUE(lease->wait_lsn);
    EXPECT_EQ(*lease->wait_lsn, (std::uint64_t{0x16} << 32) | 0xB374D848u);
    auto older = lease_from(R"({"lease_id": 7, "users": [{"user_id": "kp_a1"}]})", error);
    ASSERT_TRUE(older) << "an extension before 0.8.0 answers no wait_lsn";
    EXPECT_FALSE(older->wait_lsn);
    error.clear();
    EXPECT_FALSE(lease_from(R"({"lease_id": 7, "users": [], "wait_lsn": "16-B3"})", error));
    EXPECT_EQ(error, "kinde_claims_changes_lease answered a wait_lsn that is not an LSN");
    EXPECT_FALSE(lease_from(R"({"lease_id": 7, "users": [], "wait_lsn": 5})", error));
}

TEST(SyncReplicas, ParsesLsns) {
    EXPECT_EQ(parse_lsn("0/0"), std::uint64_t{0});
    EXPECT_EQ(parse_lsn("0/3000060"), std::uint64_t{0x3000060});
    EXPECT_EQ(parse_lsn("FFFFFFFF/FFFFFFFF"), ~std::uint64_t{0});
    EXPECT_EQ(parse_lsn("a/1"), (std::uint64_t{10} << 32) | 1);
    for (const char *bad : {"", "/", "0/", "/0", "0/0/0", "g/0", "0 /1", "100000000/0", "0/100000000", "-1/0", "0x1/0"})
        EXPECT_FALSE(parse_lsn(bad)) << bad;
}

TEST(SyncReplicas, WritesLsnsAsPgLsnText) {
    EXPECT_EQ(lsn_text(0), "0/0");
    EXPECT_EQ(lsn_text((std::uint64_t{0x16} << 32) | 0xB374D848), "16/B374D848") << "upper-case hex, as pg_lsn";
    for (std::uint64_t lsn : {std::uint64_t{0x3000060}, ~std::uint64_t{0}, std::uint64_t{1} << 32})
        EXPECT_EQ(parse_lsn(lsn_text(lsn)), lsn) << lsn_text(lsn);
}

TEST(SyncReplicas, EveryStandbyNotPastTheLsnIsBehind) {
    std::uint64_t lsn = 0x3000060;
    EXPECT_TRUE(standbys_behind(R"({"unpushed": 0, "standbys": []})", lsn).empty());
    EXPECT_TRUE(standbys_behind(R"({"unpushed": 0})", lsn).empty()) << "an extension before 0.8.0: nothing known";
    EXPECT_TRUE(standbys_behind(R"({"standbys": [{"name": "a", "state": "streaming", "replay_lsn": "0/3000060"},
        {"name": "b", "state": "streaming", "replay_lsn": "1/0"}]})", lsn).empty())
        << "replayed up to the LSN, or past it";
    auto behind = standbys_behind(R"({"standbys": [{"name": "a", "state": "streaming", "replay_lsn": "0/300005F"},
        {"name": "b", "state": "catchup", "replay_lsn": null}, {"name": "", "state": "streaming", "replay_lsn": "1/0"},
        {"name": "", "replay_lsn": "0/10"}]})", lsn);
    EXPECT_EQ(behind, (std::vector<std::string>{"a state=streaming replay_lsn=0/300005F", "b state=catchup replay_lsn=none",
                                                 "(unnamed) state=unknown replay_lsn=0/10"}));
}

Environment env_of(std::map<std::string, std::string> values) {
    return [values](const std::string &name) -> std::optional<std::string> {
        auto found = values.find(name);
        if (found == values.end())
            return std::nullopt;
        return found->second;
    };
}

const std::map<std::string, std::string> kSyncEnv = {{"KINDE_CLAIMS_URL", "https://db.example.com"},
                                                     {"KINDE_CLAIMS_API_KEY", "sync-jwt"},
                                                     {"KINDE_DOMAIN", "myapp.kinde.com"},
                                                     {"KINDE_M2M_CLIENT_ID", "m2m-id"},
                                                     {"KINDE_M2M_CLIENT_SECRET", "m2m-secret\n"}};

// What parse_invocation made of the arguments, or its usage error.
struct Parsed {
    std::optional<Invocation> invocation;
    std::string error;
};
Parsed parse(std::vector<std::string> args, std::map<std::string, std::string> env = kSyncEnv) {
    Parsed parsed;
    parsed.invocation = parse_invocation(args, env_of(env), parsed.error);
    return parsed;
}

TEST(SyncConfig, TheEnvironmentAlone) {
    Parsed parsed = parse({"sync"});
    ASSERT_TRUE(parsed.invocation) << parsed.error;
    const SyncConfig &sync = parsed.invocation->sync;
    EXPECT_EQ(parsed.invocation->command, Command::sync);
    EXPECT_EQ(sync.kinde_url, "https://myapp.kinde.com");
    EXPECT_EQ(sync.client_id, "m2m-id");
    EXPECT_EQ(sync.client_secret, "m2m-secret");
    EXPECT_EQ(sync.concurrency, 4u);
    EXPECT_EQ(sync.rate, 20);
    EXPECT_EQ(sync.batch, 20u);
    EXPECT_EQ(sync.lease_seconds, 30u);
    EXPECT_EQ(sync.poll, 250ms);
    EXPECT_EQ(sync.replica_wait, 10000ms);
    EXPECT_EQ(sync.replica_delay, 0ms);
    EXPECT_FALSE(sync.listen_host);
    EXPECT_NE(sync.worker.find(':'), std::string::npos) << "HOST:PID by default";
    EXPECT_EQ(parsed.invocation->client.api_key, "sync-jwt");
}

TEST(SyncConfig, FlagsWinAndKindeUrlBeatsTheDomain) {
    std::string path = ::testing::TempDir() + "/sync-secret";
    std::ofstream(path) << "secret-from-file\n";
    Parsed parsed =
        parse({"sync", "--kinde-url", "http://127.0.0.1:9000/", "--m2m-client-id", "flag-id",
               "--m2m-client-secret-file", path, "--listen", "127.0.0.1:0", "--concurrency", "2", "--rate",
               "2.5", "--burst", "5", "--batch", "7", "--lease-seconds", "12", "--poll-ms", "50", "--worker", "a"});
    std::remove(path.c_str());
    ASSERT_TRUE(parsed.invocation) << parsed.error;
    const SyncConfig &sync = parsed.invocation->sync;
    EXPECT_EQ(sync.kinde_url, "http://127.0.0.1:9000");
    EXPECT_EQ(sync.client_id, "flag-id");
    EXPECT_EQ(sync.client_secret, "secret-from-file");
    EXPECT_EQ(sync.listen_host, "127.0.0.1");
    EXPECT_EQ(sync.concurrency, 2u);
    EXPECT_EQ(sync.rate, 2.5);
    EXPECT_EQ(sync.burst, 5u);
    EXPECT_EQ(sync.batch, 7u);
    EXPECT_EQ(sync.lease_seconds, 12u);
    EXPECT_EQ(sync.poll, 50ms);
    EXPECT_EQ(sync.worker, "a");

    auto env = kSyncEnv;
    env["KINDE_URL"] = "https://kinde.internal:8443";
    Parsed from_env = parse({"sync"}, env);
    ASSERT_TRUE(from_env.invocation) << from_env.error;
    EXPECT_EQ(from_env.invocation->sync.kinde_url, "https://kinde.internal:8443");
}

TEST(SyncConfig, UsageErrorsNameTheProblemAndNeverTheSecret) {
    auto error_of = [](std::vector<std::string> args, std::map<std::string, std::string> env = kSyncEnv) {
        Parsed parsed = parse(args, env);
        EXPECT_FALSE(parsed.invocation);
        EXPECT_EQ(parsed.error.find("m2m-secret"), std::string::npos) << parsed.error;
        return parsed.error;
    };
    EXPECT_EQ(error_of({"sync", "--kinde-url", "http://kinde.example.com"}),
              "KINDE_URL / --kinde-url takes an https URL (http only on the loopback interface), without a "
              "query or credentials");
    EXPECT_NE(error_of({"sync", "--kinde-url", "https://user:pw@kinde.example.com"}).find("--kinde-url"),
              std::string::npos);
    EXPECT_NE(error_of({"sync", "--kinde-domain", "evil.com/x?"}).find("--kinde-domain"), std::string::npos);
    auto env = kSyncEnv;
    env.erase("KINDE_M2M_CLIENT_SECRET");
    EXPECT_EQ(error_of({"sync"}, env),
              "no M2M client secret: set KINDE_M2M_CLIENT_SECRET or pass --m2m-client-secret-file");
    env = kSyncEnv;
    env.erase("KINDE_M2M_CLIENT_ID");
    EXPECT_NE(error_of({"sync"}, env).find("KINDE_M2M_CLIENT_ID"), std::string::npos);
    env = kSyncEnv;
    env.erase("KINDE_DOMAIN");
    EXPECT_NE(error_of({"sync"}, env).find("no Kinde domain"), std::string::npos);
    env = kSyncEnv;
    env["KINDE_M2M_CLIENT_SECRET"] = "m2m-secret\nInjected: header";
    EXPECT_EQ(error_of({"sync"}, env), "the M2M client id and secret must be one line each");
    EXPECT_EQ(error_of({"sync", "--m2m-client-secret", "m2m-secret"}), "unknown option --m2m-client-secret for sync")
        << "no flag takes the secret itself: flags show in ps";
    EXPECT_EQ(error_of({"sync", "--concurrency", "0"}), "--concurrency takes a whole number, 1 to 64");
    EXPECT_EQ(error_of({"sync", "--concurrency", "2.5"}), "--concurrency takes a whole number");
    EXPECT_EQ(error_of({"sync", "--rate", "-1"}), "--rate takes calls per second, 0.1 to 10000");
    EXPECT_EQ(error_of({"sync", "--lease-seconds", "1"}), "--lease-seconds takes seconds, 5 to 3600");
    EXPECT_EQ(error_of({"sync", "--replica-wait-ms", "600001"}), "--replica-wait-ms takes milliseconds, 0 to 600000");
    EXPECT_EQ(error_of({"sync", "--replica-delay-ms", "20000"}), "--replica-delay-ms must be at most half of --lease-seconds");
    EXPECT_EQ(parse({"sync", "--replica-wait-ms", "0", "--replica-delay-ms", "1500"}).invocation->sync.replica_delay, 1500ms);
    EXPECT_EQ(error_of({"sync", "--batch", "1001"}), "--batch takes a whole number of users, 1 to 1000");
    EXPECT_EQ(error_of({"sync", "--m2m-client-secret-file", "/nonexistent/secret"}),
              "cannot read the M2M client secret file /nonexistent/secret");
    EXPECT_EQ(error_of({"sync", "kp_1"}), "sync takes no arguments, only options");
    EXPECT_EQ(error_of({"sync", "--jwks-url", "https://x"}), "unknown option --jwks-url for sync");
}

}  // namespace
