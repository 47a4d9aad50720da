#include "sync/sync.hpp"

#include <charconv>
#include <cstdio>

#include "common/json.hpp"

namespace kinde_claims::shim {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

}  // namespace

std::chrono::steady_clock::duration usable_lease_time(const SyncConfig &sync,
                                                      std::chrono::milliseconds timeout) {
    // Kept clear of the lease's end by the longest call, so a call in flight when the lease
    // expires (and another process takes it) happens only when Kinde is slower than that.
    Clock::duration lease = std::chrono::seconds(sync.lease_seconds);
    return std::max<Clock::duration>(lease / 2, lease - timeout - 1s);
}

unsigned lease_size(const SyncConfig &sync, std::chrono::steady_clock::duration usable) {
    double callable =
        sync.rate * std::chrono::duration<double>(usable).count() / std::max(1u, sync.concurrency);
    if (callable >= sync.batch)
        return sync.batch;
    return std::max(1u, static_cast<unsigned>(callable));
}

std::optional<Lease> lease_from(const std::string &body, std::string &error) {
    Json answer = json_parse(body);
    json_t *users = json_object_get(answer.get(), "users");
    json_t *lease_id = json_object_get(answer.get(), "lease_id");
    if (!json_is_array(users) || !(json_is_integer(lease_id) || (json_is_null(lease_id) && !json_array_size(users)))) {
        error = "kinde_claims_changes_lease answered without a lease_id and a users array";
        return std::nullopt;
    }
    Lease lease;
    lease.lease_id = json_is_integer(lease_id) ? json_integer_value(lease_id) : 0;
    if (json_t *wait_lsn = json_object_get(answer.get(), "wait_lsn"); wait_lsn && !json_is_null(wait_lsn)) {
        lease.wait_lsn = json_is_string(wait_lsn) ? parse_lsn(json_string_value(wait_lsn)) : std::nullopt;
        if (!lease.wait_lsn) {
            error = "kinde_claims_changes_lease answered a wait_lsn that is not an LSN";
            return std::nullopt;
        }
    }
    std::size_t index;
    json_t *user;
    json_array_foreach(users, index, user) {
        auto user_id = json_string_member(user, "user_id");
        json_t *changes = json_object_get(user, "changes");
        if (!user_id || user_id->empty()) {
            error = "kinde_claims_changes_lease answered a user without a user_id";
            return std::nullopt;
        }
        lease.users.push_back({std::string(*user_id), json_is_integer(changes) ? static_cast<long>(json_integer_value(changes)) : 0});
    }
    return lease;
}

std::optional<std::uint64_t> parse_lsn(std::string_view text) {
    std::size_t slash = text.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size() || slash > 8 ||
        text.size() - slash - 1 > 8)
        return std::nullopt;
    std::uint32_t high = 0, low = 0;
    const char *end = text.data() + text.size();
    auto [high_end, high_error] = std::from_chars(text.data(), text.data() + slash, high, 16);
    auto [low_end, low_error] = std::from_chars(text.data() + slash + 1, end, low, 16);
    if (high_error != std::errc() || high_end != text.data() + slash || low_error != std::errc() || low_end != end)
        return std::nullopt;
    return (static_cast<std::uint64_t>(high) << 32) | low;
}

std::string lsn_text(std::uint64_t lsn) {
    char text[40];
    std::snprintf(text, sizeof text, "%X/%X", static_cast<unsigned>(lsn >> 32), static_cast<unsigned>(lsn & 0xFFFFFFFFu));
    return text;
}

std::vector<std::string> standbys_behind(const std::string &lag_body, std::uint64_t lsn) {
    std::vector<std::string> behind;
    Json answer = json_parse(lag_body);
    json_t *standbys = json_object_get(answer.get(), "standbys");
    std::size_t index;
    json_t *standby;
    json_array_foreach(standbys, index, standby) {
        json_t *replay = json_object_get(standby, "replay_lsn");
        std::optional<std::uint64_t> replayed =
            json_is_string(replay) ? parse_lsn(json_string_value(replay)) : std::nullopt;
        if (replayed && *replayed >= lsn)
            continue;
        auto name = json_string_member(standby, "name");
        auto state = json_string_member(standby, "state");
        behind.push_back((name && !name->empty() ? std::string(*name) : std::string("(unnamed)")) +
                         " state=" + (state ? std::string(*state) : std::string("unknown")) +
                         " replay_lsn=" + (replayed ? lsn_text(*replayed) : std::string("none")));
    }
    return behind;
}

}  // namespace kinde_claims::shim
