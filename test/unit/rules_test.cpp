// The id and claim rules shared by the extension and the shim.
#include "kinde_rules.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace kinde_claims::rules;

TEST(HexDigit, ValuesOfBothCasesAndMinusOneForOtherBytes) {
    EXPECT_EQ(hex_digit_value('0'), 0);
    EXPECT_EQ(hex_digit_value('9'), 9);
    EXPECT_EQ(hex_digit_value('a'), 10);
    EXPECT_EQ(hex_digit_value('F'), 15);
    for (char c : {'g', 'G', '/', ':', '@', '`', ' ', '\0', '\xff'})
        EXPECT_EQ(hex_digit_value(c), -1) << static_cast<int>(c);
}

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

TEST(OrgCode, AcceptsKindeCodes) {
    EXPECT_FALSE(check_org_code("org_1ccfb819462"));  // FACTS.md §8
    EXPECT_FALSE(check_org_code("org_A"));
    EXPECT_FALSE(check_org_code("org_" + std::string(64, '9')));
}

TEST(OrgCode, RefusesEverythingElseWith22023) {
    for (const std::string &bad : std::vector<std::string>{
             "", "org_", "org", "ORG_abc", "org-abc", "xorg_abc", "org_abc def", "org_a-1", "org_é", "org_abc\n",
             "org_a%20b", "kp_abc", "org_" + std::string(65, 'a'), std::string("org_a\0b", 7)}) {
        EXPECT_FALSE(is_valid_org_code(bad)) << bad;
        auto violation = check_org_code(bad);
        ASSERT_TRUE(violation) << "accepted " << bad;
        EXPECT_STREQ(violation->sqlstate, "22023");
    }
    EXPECT_STREQ(null_org_code().sqlstate, "22004");
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

TEST(KindeId, MessageEscapesNonAsciiSoACutNeverSplitsACharacter) {
    // 44 letters put the cut inside the first three-byte character.
    auto violation = check_kinde_id("kp_" + std::string(44, 'a') + "\u2713\u2713\u2713");
    ASSERT_TRUE(violation);
    for (char c : violation->message)
        EXPECT_LT(static_cast<unsigned char>(c), 0x80) << violation->message;
    EXPECT_NE(violation->message.find("\\xe2"), std::string::npos);
    auto bidi = check_claim_name("a\u202eb");
    ASSERT_TRUE(bidi);
    EXPECT_NE(bidi->message.find("a\\xe2\\x80\\xaeb"), std::string::npos);
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

// FACTS.md §6, in its order; the workflow carries the same list (test/token/prohibited_claims.test.mjs).
const std::vector<std::string> kKindeIssued = {"permissions",
                                               "roles",
                                               "org_code",
                                               "org_name",
                                               "feature_flags",
                                               "email",
                                               "external_organization_id",
                                               "application_properties",
                                               "organization_properties",
                                               "user_properties",
                                               "has_trial_period",
                                               "trial_expires_on",
                                               "at_hash",
                                               "name",
                                               "given_name",
                                               "family_name",
                                               "picture",
                                               "org_codes",
                                               "provided_id",
                                               "https://hasura.io/jwt/claims"};

TEST(KindeIssued, RefusesEveryNameAndPrefixWith22023) {
    std::vector<std::string> names = kKindeIssued;
    names.insert(names.end(), {"ext_groups", "ext_x", "x-hasura-user-id", "x-hasura-default-role",
                               "X-Hasura-Role", "EXT_groups"});
    for (const std::string &name : names) {
        EXPECT_TRUE(is_kinde_issued_claim(name)) << name;
        EXPECT_FALSE(check_claim_name(name))
            << "the shim's check stays syntax and prohibited names: " << name;
        auto violation = check_kinde_issued_claim(name, "");
        ASSERT_TRUE(violation) << name;
        EXPECT_STREQ(violation->sqlstate, "22023");
        EXPECT_NE(violation->message.find("issued by Kinde itself"), std::string::npos);
        EXPECT_NE(violation->hint.find("kinde_claims.allowed_kinde_claims"), std::string::npos);
    }
    std::string list = kinde_issued_claims_list();
    for (const std::string &name : kKindeIssued)
        EXPECT_NE(list.find(name), std::string::npos) << name;
    EXPECT_NE(list.find("ext_*"), std::string::npos);
    EXPECT_NE(list.find("x-hasura-*"), std::string::npos);
}

TEST(KindeIssued, LeavesOtherNamesAlone) {
    for (auto name :
         {"plan", "permission", "Permissions", "ROLES", "roles2", "ext", "ext_", "next_plan", "x-hasura",
          "x-hasura-", "my_email", "https://hasura.io/jwt/claims/x", "org_code_app"}) {
        EXPECT_FALSE(is_kinde_issued_claim(name)) << name;
        EXPECT_FALSE(check_kinde_issued_claim(name, "")) << name;
    }
}

TEST(KindeIssued, AllowedListLetsOnlyItsNamesThrough) {
    EXPECT_FALSE(check_kinde_issued_claim("permissions", "permissions"));
    EXPECT_FALSE(check_kinde_issued_claim("roles", " permissions ,roles "));
    EXPECT_FALSE(check_kinde_issued_claim("ext_groups", "ext_groups"));
    EXPECT_TRUE(check_kinde_issued_claim("org_code", "permissions, roles"));
    EXPECT_TRUE(check_kinde_issued_claim("ext_other", "ext_groups"));
    EXPECT_TRUE(check_kinde_issued_claim("permissions", "permissionsx"));
    EXPECT_TRUE(check_kinde_issued_claim("permissions", "permissions_x, perm"));
}

TEST(KindeIssued, AllowedListValueIsValidated) {
    EXPECT_FALSE(check_allowed_kinde_claims(""));
    EXPECT_FALSE(check_allowed_kinde_claims("  "));
    EXPECT_FALSE(check_allowed_kinde_claims("permissions, org_code,ext_groups, x-hasura-role"));
    for (auto bad : {"plan", "permissions,", ",permissions", "permissions,,roles", "sub", "exp", "ext_",
                     "permissions;roles", "lifetime_subscriber"}) {
        auto violation = check_allowed_kinde_claims(bad);
        ASSERT_TRUE(violation) << bad;
        EXPECT_STREQ(violation->sqlstate, "22023");
    }
    auto violation = check_allowed_kinde_claims("permissions, plan");
    ASSERT_TRUE(violation);
    EXPECT_NE(violation->message.find("\"plan\" is not a claim Kinde issues"), std::string::npos);
}

TEST(ProhibitedClaims, ListIsBuiltFromTheTable) {
    EXPECT_STREQ(prohibited_claims_list(),
                 "act, aud, auth_time, azp, exp, iat, iss, jti, nbf, rat, scp, sid, sub, updated_at");
}

// FACTS.md §7: the nearest double, then its shortest decimal form, must have the same value.
TEST(Numbers, AcceptTheOnesThatSurviveADouble) {
    for (auto number : {"0",
                        "-0",
                        "0.0",
                        "1",
                        "-1",
                        "0.1",
                        "9.90",
                        "9.9",
                        "123.456",
                        "9007199254740992",
                        "-9007199254740992",
                        "1e308",
                        "1E308",
                        "1.7976931348623157e308",
                        "5e-324",
                        "2.2250738585072014e-308",
                        "1e23",
                        "100000000000000000000000",
                        "123456789012345680000",
                        "0.30000000000000004",
                        "1e-7",
                        "0.000001",
                        "1000000",
                        "3.14159",
                        "12e-1",
                        "0.00000000000000000000000000000000000000000000000000000000000000000000000000001"}) {
        EXPECT_TRUE(number_survives_double(number)) << number;
        EXPECT_FALSE(check_claim_number("n", number)) << number;
    }
    // numeric's output of 1e308 and 5e-324: every digit written out.
    EXPECT_TRUE(number_survives_double("1" + std::string(308, '0')));
    EXPECT_TRUE(number_survives_double("0." + std::string(323, '0') + "5"));
}

TEST(Numbers, RefuseTheOnesADoubleChanges) {
    struct Case {
        const char *number;
        const char *arrives_as;
    };
    for (const Case &c : std::vector<Case>{{"750727362669608961", "750727362669609000"},
                                           {"9007199254740993", "9007199254740992"},
                                           {"-9007199254740993", "-9007199254740992"},
                                           {"0.1000000000000000000001", "0.1"},
                                           {"1e-400", "0"},
                                           {"-1e-400", "0"},
                                           {"1e309", "Infinity"},
                                           {"-1e309", "-Infinity"},
                                           {"1e999999999", "Infinity"},
                                           {"1e99999999999999999999999", "Infinity"},
                                           {"1e-99999999999999999999999", "0"},
                                           {"2e-324", "0"},
                                           {"1.7976931348623159e308", "Infinity"},
                                           {"123456789012345678901234567890", "1.2345678901234568e+29"},
                                           {"3.000000000000000001e-7", "3e-7"}}) {
        std::string arrives_as;
        EXPECT_FALSE(number_survives_double(c.number, &arrives_as)) << c.number;
        EXPECT_EQ(arrives_as, c.arrives_as) << c.number;
        auto violation = check_claim_number("limits.ids[2]", c.number);
        ASSERT_TRUE(violation) << c.number;
        EXPECT_STREQ(violation->sqlstate, "22023");
        EXPECT_NE(violation->message.find("claim \"limits.ids[2]\""), std::string::npos);
        EXPECT_NE(violation->message.find(std::string("reaches the token as ") + c.arrives_as),
                  std::string::npos)
            << violation->message;
        EXPECT_NE(violation->hint.find("as strings"), std::string::npos);
    }
    // Postgres numeric writes 2^53 + 1 and a 400-digit integer out in full.
    EXPECT_FALSE(number_survives_double("1" + std::string(400, '0')));
    EXPECT_FALSE(number_survives_double("0." + std::string(400, '0') + "1"));
}

TEST(Numbers, MalformedTextNeverSurvives) {
    for (auto bad : {"", "-", ".", "e5", "1e", "1e+", "NaN", "Infinity", "0x10", "1.2.3", "1 ", " 1", "+1"})
        EXPECT_FALSE(number_survives_double(bad)) << bad;
}

TEST(Numbers, MessageQuotesAtMost48Characters) {
    auto violation = check_claim_number("n", std::string(5000, '9'));
    ASSERT_TRUE(violation);
    EXPECT_LT(violation->message.size(), 200u);
}

// Supabase Auth's own claims (FACTS.md §11): the custom access token hook never lets a stored
// claim replace one. The list is sorted (binary search) and holds exactly §11's names.
TEST(SupabaseTokenClaims, AreFactsElevenNamesSortedAndUnique) {
    const std::vector<std::string> facts{"aal", "amr", "app_metadata", "aud", "client_id", "email",
                                         "exp", "iat", "is_anonymous", "iss", "jti", "nbf",
                                         "phone", "role", "scope", "session_id", "sub", "user_metadata"};
    std::vector<std::string> listed(std::begin(kSupabaseTokenClaims), std::end(kSupabaseTokenClaims));
    EXPECT_EQ(listed, facts);
    for (const std::string &name : facts)
        EXPECT_TRUE(is_supabase_token_claim(name)) << name;
    for (const char *name : {"lifetime_subscriber", "app_role", "roles", "Role", "role ", "", "zz", "a"})
        EXPECT_FALSE(is_supabase_token_claim(name)) << name;
}

TEST(SupabaseProvider, AcceptsLowerCaseCustomNamesOfTwoToFiftyCharacters) {
    for (const char *good : {"custom:kinde", "custom:kinde-eu", "kinde", "ab", "custom:k1"})
        EXPECT_TRUE(is_valid_supabase_provider(good)) << good;
    EXPECT_TRUE(is_valid_supabase_provider(std::string(50, 'k')));
    for (const std::string &bad : std::vector<std::string>{"", "k", "Custom:Kinde", "custom:kinde eu", "custom_kinde",
                                                           "custom:kindé", std::string(51, 'k'), "custom:kinde\n"})
        EXPECT_FALSE(is_valid_supabase_provider(bad)) << bad;
    EXPECT_TRUE(is_valid_supabase_provider(kDefaultSupabaseProvider));
}
