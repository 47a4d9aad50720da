// Flags and environment variables: what each command gets, and what is a usage error.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>

#include "cli/usage.hpp"
#include "common/config.hpp"

namespace {

using namespace kinde_claims::shim;

Environment env_of(std::map<std::string, std::string> values) {
    return [values](const std::string &name) -> std::optional<std::string> {
        auto found = values.find(name);
        if (found == values.end())
            return std::nullopt;
        return found->second;
    };
}

const std::map<std::string, std::string> kBaseEnv = {{"KINDE_CLAIMS_URL", "https://db.example.com/"}};

Invocation parse_ok(std::vector<std::string> args, std::map<std::string, std::string> env = kBaseEnv) {
    std::string error;
    std::optional<Invocation> invocation = parse_invocation(args, env_of(env), error);
    EXPECT_TRUE(invocation) << error;
    return invocation.value_or(Invocation{});
}

std::string parse_error(std::vector<std::string> args, std::map<std::string, std::string> env = kBaseEnv) {
    std::string error;
    EXPECT_FALSE(parse_invocation(args, env_of(env), error));
    return error;
}

TEST(ShimConfig, ClaimsTakesOneUserIdAndTheUrlFromTheEnvironment) {
    Invocation invocation = parse_ok({"claims", "kp_123"});
    EXPECT_EQ(invocation.command, Command::claims);
    EXPECT_EQ(invocation.user_id, "kp_123");
    EXPECT_EQ(invocation.client.url, "https://db.example.com");
    EXPECT_EQ(invocation.client.api_key, "");
    EXPECT_EQ(invocation.client.timeouts.total_ms, 5000);
}

TEST(ShimConfig, FlagsWinOverTheEnvironment) {
    Invocation invocation =
        parse_ok({"claims", "--url", "http://127.0.0.1:3000", "kp_1", "--timeout", "800"},
                 {{"KINDE_CLAIMS_URL", "https://other"}, {"KINDE_CLAIMS_API_KEY", "jwt-from-env\n"}});
    EXPECT_EQ(invocation.client.url, "http://127.0.0.1:3000");
    EXPECT_EQ(invocation.client.api_key, "jwt-from-env");
    EXPECT_EQ(invocation.client.gateway_key, "");
    EXPECT_EQ(invocation.client.timeouts.total_ms, 800);
    EXPECT_EQ(parse_ok({"claims", "kp_1"},
                       {{"KINDE_CLAIMS_URL", "https://db"}, {"KINDE_CLAIMS_GATEWAY_KEY", "anon-key"}})
                  .client.gateway_key,
              "anon-key");
    EXPECT_EQ(parse_error({"claims", "kp_1"},
                          {{"KINDE_CLAIMS_URL", "https://db"}, {"KINDE_CLAIMS_API_KEY", "a\nb"}}),
              "an API key must be one line");
    EXPECT_EQ(invocation.client.timeouts.connect_ms, 800);
}

TEST(ShimConfig, EveryCommandTakesTheSchemaFromTheFlagOrTheEnvironment) {
    std::map<std::string, std::string> env = kBaseEnv;
    env["KINDE_CLAIMS_SCHEMA"] = "api";
    env["KINDE_DOMAIN"] = "myapp.kinde.com";
    env["KINDE_M2M_CLIENT_ID"] = "m2m";
    env["KINDE_M2M_CLIENT_SECRET"] = "secret";
    EXPECT_EQ(parse_ok({"claims", "kp_1"}).client.schema, "");
    EXPECT_EQ(parse_ok({"claims", "kp_1"}, env).client.schema, "api");
    EXPECT_EQ(parse_ok({"claims", "kp_1", "--schema", "my-api"}, env).client.schema, "my-api");
    EXPECT_EQ(parse_ok({"upsert", "kp_1", "--schema=api"}).client.schema, "api");
    EXPECT_EQ(parse_ok({"serve"}, env).client.schema, "api");
    EXPECT_EQ(parse_ok({"serve", "--schema", "other"}, env).client.schema, "other");
    EXPECT_EQ(parse_ok({"sync"}, env).client.schema, "api");
    EXPECT_EQ(parse_ok({"sync", "--schema", "other"}, env).client.schema, "other");
    const std::string refused =
        "--schema / KINDE_CLAIMS_SCHEMA: a schema name is 1 to 63 bytes, without control characters, commas or "
        "spaces at either end";
    for (std::string bad : {std::string(), std::string(64, 'a'), std::string("api\r\nX-Evil: 1"),
                            std::string("public,api"), std::string(" api"), std::string("api ")})
        EXPECT_EQ(parse_error({"claims", "kp_1", "--schema", bad}), refused) << bad;
    env["KINDE_CLAIMS_SCHEMA"] = "a,b";
    EXPECT_EQ(parse_error({"claims", "kp_1"}, env), refused);
    EXPECT_EQ(parse_ok({"claims", "kp_1", "--schema", std::string(63, 'a')}).client.schema, std::string(63, 'a'));
}

TEST(ShimConfig, ApiKeyFileWinsOverTheEnvironment) {
    std::string path = ::testing::TempDir() + "shim_config_test_api_key";
    std::ofstream(path) << "jwt-from-file\n";
    Invocation invocation =
        parse_ok({"claims", "kp_1", "--api-key-file", path},
                 {{"KINDE_CLAIMS_URL", "https://db"}, {"KINDE_CLAIMS_API_KEY", "jwt-from-env"}});
    EXPECT_EQ(invocation.client.api_key, "jwt-from-file");
    std::ofstream(path, std::ios::trunc) << "\n";
    EXPECT_NE(parse_error({"claims", "kp_1", "--api-key-file", path}).find("is empty"), std::string::npos);
    std::remove(path.c_str());
    EXPECT_NE(parse_error({"claims", "kp_1", "--api-key-file", path}).find("cannot read"), std::string::npos);
}

TEST(ShimConfig, TheApiKeyIsNeverAFlag) {
    EXPECT_NE(parse_error({"claims", "kp_1", "--api-key", "secret"}).find("unknown option --api-key"),
              std::string::npos);
}

TEST(ShimConfig, UpsertOptions) {
    Invocation invocation =
        parse_ok({"upsert", "kp_1", "--lifetime-subscriber", "true", "--claims", "{\"plan\": \"pro\"}"});
    EXPECT_EQ(invocation.command, Command::upsert);
    EXPECT_EQ(invocation.lifetime_subscriber, std::optional<bool>(true));
    EXPECT_EQ(invocation.claims_json, std::optional<std::string>("{\"plan\": \"pro\"}"));
    Invocation neither = parse_ok({"upsert", "kp_1"});
    EXPECT_FALSE(neither.lifetime_subscriber);
    EXPECT_FALSE(neither.claims_json);
    EXPECT_EQ(parse_ok({"upsert", "kp_1", "--lifetime-subscriber=false"}).lifetime_subscriber,
              std::optional<bool>(false));
    EXPECT_EQ(parse_error({"upsert", "kp_1", "--lifetime-subscriber", "yes"}),
              "--lifetime-subscriber takes true or false");
    EXPECT_NE(parse_error({"claims", "kp_1", "--claims", "{}"}).find("unknown option"), std::string::npos);
}

TEST(ShimConfig, UsageErrors) {
    EXPECT_EQ(parse_error({}), "no command given");
    EXPECT_EQ(parse_error({"claim", "kp_1"}), "unknown command \"claim\"");
    EXPECT_EQ(parse_error({"claims"}), "claims takes exactly one USER_ID");
    EXPECT_EQ(parse_error({"claims", "kp_1", "kp_2"}), "claims takes exactly one USER_ID");
    EXPECT_EQ(parse_error({"claims", "kp_1"}, {}), "no PostgREST URL: set KINDE_CLAIMS_URL or pass --url");
    EXPECT_EQ(parse_error({"claims", "kp_1", "--url", "db.example.com"}),
              "the PostgREST URL must start with http:// or https://");
    EXPECT_EQ(parse_error({"claims", "kp_1", "--timeout", "0"}), "--timeout takes milliseconds, 1 to 600000");
    EXPECT_EQ(parse_error({"claims", "kp_1", "--url"}), "--url needs a value");
    EXPECT_EQ(
        parse_error({"serve", "extra"}, {{"KINDE_CLAIMS_URL", "http://x"}, {"KINDE_DOMAIN", "a.kinde.com"}}),
        "serve takes no arguments, only options");
}

TEST(ShimConfig, HelpNeedsNoConfiguration) {
    for (std::vector<std::string> args :
         {std::vector<std::string>{"--help"}, {"claims", "--help"}, {"upsert", "-h"}, {"serve", "--help"}}) {
        std::string error;
        std::optional<Invocation> invocation = parse_invocation(args, env_of({}), error);
        ASSERT_TRUE(invocation) << error;
        EXPECT_TRUE(invocation->help);
        EXPECT_EQ(invocation->command.has_value(), args[0] != "--help");
    }
    for (std::string text : {usage_text(), usage_text(Command::claims), usage_text(Command::upsert),
                             usage_text(Command::serve)}) {
        EXPECT_NE(text.find("Usage: kinde-claims-shim"), std::string::npos);
        EXPECT_NE(text.find("69  unavailable"), std::string::npos);
    }
}

TEST(ShimConfig, ServeFindsItsKeys) {
    std::map<std::string, std::string> env = {{"KINDE_CLAIMS_URL", "http://127.0.0.1:3000"},
                                              {"KINDE_DOMAIN", "myapp.kinde.com"}};
    Invocation domain = parse_ok({"serve", "--listen", "0.0.0.0:9000", "--threads", "2"}, env);
    EXPECT_EQ(domain.serve.jwks.kind, JwksSource::Kind::url);
    EXPECT_EQ(domain.serve.jwks.location, "https://myapp.kinde.com/.well-known/jwks.json");
    EXPECT_EQ(domain.serve.listen_host, "0.0.0.0");
    EXPECT_EQ(domain.serve.listen_port, 9000);
    EXPECT_EQ(domain.serve.threads, 2u);

    env["KINDE_JWKS_URL"] = "https://keys.example.com/jwks.json";
    EXPECT_EQ(parse_ok({"serve"}, env).serve.jwks.location, "https://keys.example.com/jwks.json");
    env["KINDE_JWKS_FILE"] = "/etc/kinde/jwks.json";
    Invocation file = parse_ok({"serve"}, env);
    EXPECT_EQ(file.serve.jwks.kind, JwksSource::Kind::file);
    EXPECT_EQ(file.serve.jwks.location, "/etc/kinde/jwks.json");
    // Any key flag replaces all three variables.
    EXPECT_EQ(parse_ok({"serve", "--kinde-domain", "https://other.kinde.com/"}, env).serve.jwks.location,
              "https://other.kinde.com/.well-known/jwks.json");
}

TEST(ShimConfig, ServeUsageErrors) {
    std::map<std::string, std::string> env = {{"KINDE_CLAIMS_URL", "http://127.0.0.1:3000"}};
    EXPECT_NE(parse_error({"serve"}, env).find("no signing keys"), std::string::npos);
    env["KINDE_DOMAIN"] = "a.kinde.com";
    EXPECT_NE(parse_error({"serve", "--listen", "8080"}, env).find("--listen takes ADDR:PORT"),
              std::string::npos);
    EXPECT_NE(parse_error({"serve", "--listen", "::1:8080"}, env).find("--listen"), std::string::npos);
    EXPECT_NE(parse_error({"serve", "--listen", "127.0.0.1:65536"}, env).find("--listen"), std::string::npos);
    EXPECT_EQ(parse_ok({"serve", "--listen", "[::1]:0"}, env).serve.listen_host, "::1");
    EXPECT_EQ(parse_error({"serve", "--threads", "0"}, env), "--threads takes a number from 1 to 64");
    EXPECT_NE(
        parse_error({"serve", "--jwks-url", "http://keys.example.com/jwks.json"}, env).find("must use https"),
        std::string::npos);
    EXPECT_NE(parse_error({"serve", "--kinde-domain", "evil.com/path?x"}, env).find("host name"),
              std::string::npos);
}

TEST(ShimConfig, ServeConnectionLimits) {
    std::map<std::string, std::string> env = {{"KINDE_CLAIMS_URL", "http://127.0.0.1:3000"},
                                              {"KINDE_DOMAIN", "a.kinde.com"}};
    ConnectionLimits defaults = parse_ok({"serve"}, env).serve.limits;
    EXPECT_EQ(defaults.max_connections, 256u);
    EXPECT_EQ(defaults.max_connections_per_client, 32u);
    EXPECT_EQ(defaults.request_timeout, std::chrono::seconds(10));
    ConnectionLimits set = parse_ok({"serve", "--request-timeout", "3", "--max-connections", "64",
                                     "--max-connections-per-client=64"},
                                    env)
                               .serve.limits;
    EXPECT_EQ(set.max_connections, 64u);
    EXPECT_EQ(set.max_connections_per_client, 64u);
    EXPECT_EQ(set.request_timeout, std::chrono::seconds(3));
    EXPECT_EQ(parse_error({"serve", "--request-timeout", "0"}, env),
              "--request-timeout takes seconds, 1 to 600");
    EXPECT_EQ(parse_error({"serve", "--max-connections", "10001"}, env),
              "--max-connections takes a number from 1 to 10000");
    EXPECT_EQ(parse_error({"serve", "--max-connections-per-client", "x"}, env),
              "--max-connections-per-client takes a number from 1 to 10000");
    EXPECT_EQ(parse_error({"serve", "--max-connections", "16"}, env),
              "--max-connections-per-client cannot be more than --max-connections (16)");
    EXPECT_NE(parse_error({"claims", "kp_1", "--request-timeout", "3"}).find("unknown option"),
              std::string::npos);
}

TEST(ShimConfig, JwksUrlsMustBeHttpsExceptOnLoopback) {
    std::string error;
    EXPECT_TRUE(check_jwks_url("https://myapp.kinde.com/.well-known/jwks.json", error));
    EXPECT_TRUE(check_jwks_url("http://127.0.0.1:4000/jwks.json", error));
    EXPECT_TRUE(check_jwks_url("http://localhost/jwks.json", error));
    EXPECT_TRUE(check_jwks_url("http://[::1]:80/jwks.json", error));
    EXPECT_EQ(error, "");
    EXPECT_FALSE(check_jwks_url("http://127.0.0.1.evil.com/jwks.json", error));
    EXPECT_NE(error.find("must use https"), std::string::npos);
    EXPECT_FALSE(check_jwks_url("http://10.0.0.1/jwks.json", error));
    EXPECT_FALSE(check_jwks_url("ftp://x/jwks.json", error));
    EXPECT_EQ(error, "JWKS URL ftp://x/jwks.json is not an https URL");
    EXPECT_FALSE(check_jwks_url("file:///etc/jwks.json", error));
}

// The values both readers (serve's and sync's) take through common/config_values.hpp.
TEST(ShimConfigValues, NumbersAreDecimalDigitsWithinTheirRange) {
    EXPECT_EQ(parse_positive("1", 10), 1);
    EXPECT_EQ(parse_positive("10", 10), 10);
    EXPECT_FALSE(parse_positive("11", 10));
    for (const char *bad : {"", "0", "+1", "1.0", " 1", "1 ", "0x1", "1234567890"})
        EXPECT_FALSE(parse_positive(bad, 2000000000)) << '"' << bad << '"';
    EXPECT_EQ(parse_number("0.5", 0.1, 100), 0.5);
    EXPECT_EQ(parse_number("20", 0.1, 100), 20);
    EXPECT_FALSE(parse_number("0.05", 0.1, 100));
    EXPECT_FALSE(parse_number("101", 0.1, 100));
    for (const char *bad : {"", "-1", "1e2", " 1", "1..2", "1234567890123"})
        EXPECT_FALSE(parse_number(bad, 0.1, 1e13)) << '"' << bad << '"';
}

TEST(ShimConfigValues, KindeAndJwksUrlsFromADomain) {
    EXPECT_EQ(kinde_url_for_domain("myapp.kinde.com"), "https://myapp.kinde.com");
    EXPECT_EQ(kinde_url_for_domain("https://myapp.kinde.com//"), "https://myapp.kinde.com");
    EXPECT_EQ(jwks_url_for_domain("https://myapp.kinde.com/"),
              "https://myapp.kinde.com/.well-known/jwks.json");
    for (const char *bad : {"", "https://", "http://myapp.kinde.com", "myapp.kinde.com/path", "a b"}) {
        EXPECT_FALSE(kinde_url_for_domain(bad)) << bad;
        EXPECT_FALSE(jwks_url_for_domain(bad)) << bad;
    }
}

TEST(ShimConfigValues, SecretFilesLoseTheirLineEndAndMustHoldSomething) {
    std::string path = ::testing::TempDir() + "shim_config_values_secret";
    std::string error;
    std::ofstream(path, std::ios::binary) << "s3cret \r\n";
    EXPECT_EQ(read_secret_file(path, "API key", error), "s3cret");
    std::ofstream(path, std::ios::binary) << " \n";
    EXPECT_FALSE(read_secret_file(path, "API key", error));
    EXPECT_EQ(error, "the API key file " + path + " is empty");
    std::remove(path.c_str());
    EXPECT_FALSE(read_secret_file(path, "M2M client secret", error));
    EXPECT_EQ(error, "cannot read the M2M client secret file " + path);
}

}  // namespace
