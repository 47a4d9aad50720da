// The id and claim rules shared by the extension and the shim.
#include "kinde_rules.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace kinde_claims::rules;

TEST(KindeId, AcceptsRealAndShortIds) {
    EXPECT_FALSE(check_kinde_id("kp_65b28d71bba14fa380d56d2d8d3503da"));
    EXPECT_FALSE(check_kinde_id("kp_1234567890"));
    EXPECT_FALSE(check_kinde_id("kp_A"));
    EXPECT_FALSE(check_kinde_id("kp_" + std::string(64, 'z')));
}

TEST(KindeId, RefusesEverythingElseWith22023) {
    for (const std::string &bad : std::vector<std::string>{
             "", "kp_", "kp", "KP_abc", "kp-abc", "xkp_abc", "kp_abc def", "kp_abc-1", "kp_é", "kp_abc\n",
             "kp_" + std::string(65, 'a'), std::string("kp_a\0b", 6)}) {
        auto violation = check_kinde_id(bad);
        ASSERT_TRUE(violation) << "accepted " << bad;
        EXPECT_STREQ(violation->sqlstate, "22023");
        EXPECT_NE(violation->detail.find("\"kp_\" followed by 1 to 64 letters or digits"), std::string::npos);
    }
}

TEST(KindeId, NullIs22004) {
    EXPECT_STREQ(null_kinde_id().sqlstate, "22004");
}

TEST(KindeId, MessageQuotesAtMost48CharactersAndEscapesControlBytes) {
    auto violation = check_kinde_id(std::string(10000, 'x'));
    ASSERT_TRUE(violation);
    EXPECT_LT(violation->message.size(), 100u);
    EXPECT_NE(violation->message.find("...\""), std::string::npos);
    auto forged = check_kinde_id("kp_\nLOG:  forged");
    ASSERT_TRUE(forged);
    EXPECT_EQ(forged->message.find('\n'), std::string::npos);
    EXPECT_NE(forged->message.find("\\x0a"), std::string::npos);
}

TEST(ClaimName, AcceptsPlainAndUriNames) {
    for (auto name : {"plan", "seats", "a", "https://example.com/plan", "org:role", "x.y-z_1"})
        EXPECT_FALSE(check_claim_name(name)) << name;
    EXPECT_FALSE(check_claim_name(std::string(128, 'n')));
}

TEST(ClaimName, RefusesBadCharactersAndLength) {
    for (const std::string &bad : std::vector<std::string>{"", "has space", "semi;colon", "quote\"",
                                                           "ünicode", std::string(129, 'n')}) {
        auto violation = check_claim_name(bad);
        ASSERT_TRUE(violation) << bad;
        EXPECT_STREQ(violation->sqlstate, "22023");
        EXPECT_NE(violation->message.find("invalid claim name"), std::string::npos);
    }
}

TEST(ClaimName, RefusesEveryProhibitedName) {
    for (auto name : {"azp", "exp", "iat", "iss", "nbf", "sid", "sub", "act", "aud", "jti", "scp",
                      "auth_time", "updated_at", "rat"}) {
        EXPECT_TRUE(is_prohibited_claim(name)) << name;
        auto violation = check_claim_name(name);
        ASSERT_TRUE(violation) << name;
        EXPECT_NE(violation->message.find("reserved by Kinde"), std::string::npos);
    }
    EXPECT_FALSE(is_prohibited_claim("expires"));
    EXPECT_FALSE(is_prohibited_claim("Exp"));
}

TEST(ClaimName, RefusesLifetimeSubscriber) {
    auto violation = check_claim_name("lifetime_subscriber");
    ASSERT_TRUE(violation);
    EXPECT_NE(violation->detail.find("column of its own"), std::string::npos);
}

TEST(ClaimsSize, LimitIsInclusive) {
    EXPECT_FALSE(check_claims_size(4096, 4096));
    auto violation = check_claims_size(4097, 4096);
    ASSERT_TRUE(violation);
    EXPECT_STREQ(violation->sqlstate, "22023");
    EXPECT_NE(violation->message.find("4097 bytes"), std::string::npos);
    EXPECT_NE(violation->detail.find("4096 bytes"), std::string::npos);
}

TEST(Claims, NotObjectNamesTheKind) {
    EXPECT_NE(claims_not_object("array").detail.find("JSON array"), std::string::npos);
}
