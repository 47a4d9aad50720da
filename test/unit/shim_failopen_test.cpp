// `serve`'s fail-open queue (FailopenOutbox): one entry per user and organization, the bound and
// what it drops, the hold before an entry is recorded, and the file that outlives a restart.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "common/config.hpp"
#include "serve/failopen_outbox.hpp"

namespace {

using namespace kinde_claims::shim;
using namespace std::chrono_literals;
using Clock = FailopenOutbox::Clock;

// A path in the system's temporary directory that nothing holds.
std::string temporary_path() {
    std::string name = (std::filesystem::temp_directory_path() / "kc-failopen-XXXXXX").string();
    int fd = mkstemp(name.data());
    if (fd >= 0)
        close(fd);
    std::remove(name.c_str());
    return name;
}

std::size_t lines_in(const std::string &path) {
    std::ifstream file(path);
    std::size_t lines = 0;
    for (std::string line; std::getline(file, line);)
        ++lines;
    return lines;
}

TEST(FailopenOutbox, OneEntryPerUserAndOrganization) {
    FailopenOutbox outbox("", 10, 0ms);
    auto now = Clock::now();
    EXPECT_EQ(outbox.add("kp_1", "", now), FailopenOutbox::Added::queued);
    EXPECT_EQ(outbox.add("kp_1", "", now), FailopenOutbox::Added::already_queued);
    EXPECT_EQ(outbox.add("kp_1", "org_1", now), FailopenOutbox::Added::queued);
    EXPECT_EQ(outbox.size(), 2u);
}

TEST(FailopenOutbox, BeyondTheBoundNewUsersAreDroppedAndCounted) {
    FailopenOutbox outbox("", 2, 0ms);
    auto now = Clock::now();
    outbox.add("kp_1", "", now);
    outbox.add("kp_2", "", now);
    EXPECT_EQ(outbox.add("kp_3", "", now), FailopenOutbox::Added::full);
    EXPECT_EQ(outbox.add("kp_4", "", now), FailopenOutbox::Added::full);
    // A user already queued is not dropped.
    EXPECT_EQ(outbox.add("kp_1", "", now), FailopenOutbox::Added::already_queued);
    EXPECT_EQ(outbox.dropped(), 2u);
    outbox.remove_first(1);
    EXPECT_EQ(outbox.add("kp_3", "", now), FailopenOutbox::Added::queued);
}

TEST(FailopenOutbox, AnEntryIsReadyOnlyAfterTheHoldOldestFirst) {
    FailopenOutbox outbox("", 10, 3000ms);
    auto now = Clock::now();
    outbox.add("kp_1", "", now);
    outbox.add("kp_2", "", now + 1s);
    EXPECT_TRUE(outbox.ready(now + 2999ms, 10).empty());
    auto ready = outbox.ready(now + 3500ms, 10);
    ASSERT_EQ(ready.size(), 1u);
    EXPECT_EQ(ready[0].user_id, "kp_1");
    EXPECT_EQ(outbox.ready(now + 10s, 1).size(), 1u);
    EXPECT_EQ(outbox.ready(now + 10s, 10).size(), 2u);
    outbox.remove_first(1);
    EXPECT_EQ(outbox.ready(now + 10s, 10)[0].user_id, "kp_2");
}

TEST(FailopenOutbox, TheFileOutlivesARestartAndShrinksWhenRecorded) {
    std::string path = temporary_path();
    auto now = Clock::now();
    {
        FailopenOutbox outbox(path, 10, 0ms);
        EXPECT_EQ(outbox.file_error(), "");
        outbox.add("kp_1", "org_a", now);
        outbox.add("kp_2", "", now);
        outbox.add("kp_1", "org_a", now);
        EXPECT_EQ(lines_in(path), 2u);
    }
    {
        std::ofstream(path, std::ios::app) << "not json\n";
        FailopenOutbox outbox(path, 10, 0ms);
        EXPECT_EQ(outbox.loaded(), 2u);
        EXPECT_EQ(outbox.skipped_lines(), 1u);
        auto ready = outbox.ready(now + 1s, 10);
        ASSERT_EQ(ready.size(), 2u);
        EXPECT_EQ(ready[0].user_id, "kp_1");
        EXPECT_EQ(ready[0].org_code, "org_a");
        EXPECT_EQ(outbox.add("kp_1", "org_a", now), FailopenOutbox::Added::already_queued);
        outbox.remove_first(1);
        EXPECT_EQ(lines_in(path), 1u);
    }
    FailopenOutbox outbox(path, 10, 0ms);
    EXPECT_EQ(outbox.loaded(), 1u);
    std::remove(path.c_str());
}

TEST(FailopenOutbox, AFileThatCannotBeWrittenIsAnError) {
    FailopenOutbox outbox((std::filesystem::temp_directory_path() / "kc-no-such-directory" / "failopen.jsonl").string(), 10, 0ms);
    EXPECT_NE(outbox.file_error(), "");
}

TEST(FailopenConfig, ServeTakesTheSecretTheStateDirectoryAndTheBounds) {
    std::map<std::string, std::string> variables = {
        {"KINDE_CLAIMS_URL", "http://127.0.0.1:3000"}, {"KINDE_JWKS_FILE", "/dev/null"},
        {"KINDE_CLAIMS_FAILOPEN_SECRET", std::string(32, 's')}, {"STATE_DIRECTORY", "/var/lib/a:/var/lib/b"}};
    Environment env = [&variables](const std::string &name) -> std::optional<std::string> {
        auto found = variables.find(name);
        return found == variables.end() ? std::nullopt : std::optional<std::string>(found->second);
    };
    std::string error;
    auto invocation = parse_invocation({"serve", "--failopen-max-users", "7", "--failopen-hold-ms", "100"}, env, error);
    ASSERT_TRUE(invocation) << error;
    EXPECT_EQ(invocation->serve.failopen_secret, std::string(32, 's'));
    EXPECT_EQ(invocation->serve.state_dir, "/var/lib/a");
    EXPECT_EQ(invocation->serve.failopen_max_users, 7u);
    EXPECT_EQ(invocation->serve.failopen_hold_ms, 100u);

    variables["KINDE_CLAIMS_FAILOPEN_SECRET"] = "short";
    EXPECT_FALSE(parse_invocation({"serve"}, env, error));
    EXPECT_EQ(error, "the fail-open secret must be at least 32 characters");
    EXPECT_FALSE(parse_invocation({"serve", "--failopen-max-users", "0"}, env, error));
}

}  // namespace
