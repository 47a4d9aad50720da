// The users the token workflow issued a token without claims for (it failed open), kept until the
// database records them (kinde_claims_failopen_record) so that `sync` has Kinde rebuild their
// tokens (docs/workflow.md#a-token-issued-without-its-claims). One entry per user, however often
// the user's token failed; bounded: beyond `max_users` a new user is dropped and counted. With a
// file, every entry is appended to it before it is acknowledged, and the file is rewritten with
// what is left after each recorded batch, so a restart of `serve` loses nothing.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace kinde_claims::shim {

class FailopenOutbox {
public:
    using Clock = std::chrono::system_clock;
    struct Entry {
        std::string user_id;
        std::string org_code;  // empty: none
        Clock::time_point failed_at;
    };
    enum class Added { queued, already_queued, full, not_saved };

    // `path` empty: memory only. Loads what the file holds (a line that is not an entry is skipped
    // and counted in `skipped_lines`).
    FailopenOutbox(std::string path, std::size_t max_users, std::chrono::milliseconds hold);

    Added add(const std::string &user_id, const std::string &org_code, Clock::time_point now);
    // Up to `max` entries at least `hold` old, oldest first; they stay queued until remove().
    std::vector<Entry> ready(Clock::time_point now, std::size_t max) const;
    // Takes the first `count` entries off (those ready() gave) and rewrites the file.
    void remove_first(std::size_t count);

    std::size_t size() const;
    std::uint64_t dropped() const;
    std::size_t loaded() const { return loaded_; }
    std::size_t skipped_lines() const { return skipped_lines_; }
    // The last error writing the file, empty when none.
    std::string file_error() const;

private:
    bool append(const Entry &entry);
    void rewrite();

    std::string path_;
    std::size_t max_users_;
    std::chrono::milliseconds hold_;
    mutable std::mutex mutex_;
    std::deque<Entry> entries_;
    std::set<std::string> queued_;  // user_id, org_code
    std::uint64_t dropped_ = 0;
    std::size_t loaded_ = 0, skipped_lines_ = 0;
    std::string file_error_;
};

}  // namespace kinde_claims::shim
