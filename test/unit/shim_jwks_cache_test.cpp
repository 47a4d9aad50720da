// The key cache: loaded at start, again on an unknown kid or old keys, never more than once a minute.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "serve/jwks_cache.hpp"
#include "test_keys.hpp"

namespace {

using kinde_claims::shim::JwksCache;
namespace test = kinde_claims::test;
using namespace std::chrono_literals;

// What the next load gets: the JWKS text, or the error when `jwks` is empty.
struct Fetch {
    std::string jwks;
    std::string error;
};

class JwksCacheTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        first_ = new test::Jwk(test::rsa_key("first"));
        second_ = new test::Jwk(test::rsa_key("second"));
    }
    static void TearDownTestSuite() {
        delete first_;
        delete second_;
    }

    JwksCache cache() {
        return JwksCache(
            [this](std::string &error) -> std::optional<std::string> {
                ++loads;
                if (!next.error.empty()) {
                    error = next.error;
                    return std::nullopt;
                }
                return next.jwks;
            },
            [this] { return now; });
    }

    static test::Jwk *first_, *second_;
    JwksCache::Clock::time_point now = JwksCache::Clock::time_point{} + 1000h;
    Fetch next{test::jwks_of({first_->get()}), {}};
    int loads = 0;
};
test::Jwk *JwksCacheTest::first_;
test::Jwk *JwksCacheTest::second_;

TEST_F(JwksCacheTest, UnknownKidRefetchesAtMostOnceAMinute) {
    JwksCache keys = cache();
    ASSERT_EQ(keys.load().refresh, JwksCache::Refresh::loaded);
    EXPECT_TRUE(keys.keys()->find("first"));

    // Kinde rotates: the new kid shows up in the JWKS.
    next = {test::jwks_of({first_->get(), second_->get()}), {}};
    now += 59s;
    EXPECT_EQ(keys.refresh_if_allowed().refresh, JwksCache::Refresh::not_due);
    EXPECT_FALSE(keys.keys()->find("second"));
    now += 1s;
    JwksCache::RefreshResult refreshed = keys.refresh_if_allowed();
    EXPECT_EQ(refreshed.refresh, JwksCache::Refresh::loaded);
    EXPECT_EQ(refreshed.message, "2 keys: first second");
    EXPECT_TRUE(keys.keys()->find("second"));
    EXPECT_EQ(loads, 2);

    // A burst of unknown kids costs no further fetch.
    for (int i = 0; i < 100; ++i)
        keys.refresh_if_allowed();
    EXPECT_EQ(loads, 2);
}

TEST_F(JwksCacheTest, AFailedLoadKeepsTheOldKeys) {
    JwksCache keys = cache();
    keys.load();
    next = {{}, "cannot fetch JWKS: Connection refused"};
    now += 61s;
    JwksCache::RefreshResult failed = keys.refresh_if_allowed();
    EXPECT_EQ(failed.refresh, JwksCache::Refresh::failed);
    EXPECT_EQ(failed.message, "cannot fetch JWKS: Connection refused");
    ASSERT_TRUE(keys.keys());
    EXPECT_TRUE(keys.keys()->find("first"));
    next = {"{\"keys\": []}", {}};
    now += 61s;
    EXPECT_EQ(keys.refresh_if_allowed().refresh, JwksCache::Refresh::failed);
    EXPECT_TRUE(keys.keys()->find("first"));
}

TEST_F(JwksCacheTest, WithoutKeysItRetriesSooner) {
    next = {{}, "unreachable"};
    JwksCache keys = cache();
    EXPECT_EQ(keys.load().refresh, JwksCache::Refresh::failed);
    EXPECT_FALSE(keys.keys());
    next = {test::jwks_of({first_->get()}), {}};
    now += 4s;
    EXPECT_EQ(keys.refresh_if_allowed().refresh, JwksCache::Refresh::not_due);
    now += 1s;
    EXPECT_EQ(keys.refresh_if_allowed().refresh, JwksCache::Refresh::loaded);
    EXPECT_TRUE(keys.keys());
}

TEST_F(JwksCacheTest, KeysOlderThanAnHourAreReloaded) {
    JwksCache keys = cache();
    keys.load();
    now += 59min;
    EXPECT_EQ(keys.refresh_if_old().refresh, JwksCache::Refresh::not_due);
    // A withdrawn key disappears on the next reload.
    next = {test::jwks_of({second_->get()}), {}};
    now += 1min;
    EXPECT_EQ(keys.refresh_if_old().refresh, JwksCache::Refresh::loaded);
    EXPECT_FALSE(keys.keys()->find("first"));
    EXPECT_TRUE(keys.keys()->find("second"));
}

TEST(JwksFileLoader, ReadsTheFileEachTime) {
    std::string path = ::testing::TempDir() + "shim_jwks_cache_test.json";
    auto loader = kinde_claims::shim::jwks_file_loader(path);
    std::remove(path.c_str());
    std::string error;
    EXPECT_FALSE(loader(error));
    EXPECT_EQ(error, "cannot read JWKS file " + path);
    std::ofstream(path) << "{\"keys\": []}";
    EXPECT_EQ(loader(error), std::optional<std::string>("{\"keys\": []}"));
    std::remove(path.c_str());
}

}  // namespace
