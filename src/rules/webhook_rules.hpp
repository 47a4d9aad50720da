// The rules a Kinde webhook event obeys before it may change anything: its type, its event_id
// and its timestamp. Pure C++17 like kinde_rules.hpp, shared by the shim (which checks an event
// before its one RPC call) and kinde_webhook_apply (which checks it again in the database).
#pragma once

#if defined(POSTGRES_H) || defined(PG_VERSION_NUM)
#error "webhook_rules.hpp is pure C++: include it before any Postgres header"
#endif

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "kinde_rules.hpp"

namespace kinde_claims::rules {

inline constexpr std::size_t kWebhookEventTypeMaxChars = 64;
inline constexpr std::size_t kWebhookEventIdMaxChars = 128;

// What an event does to a profile. user.created and user.updated both make sure it exists (a
// user.updated may be the first event of a user whose user.created was lost) and carry the user's
// organizations; user.deleted removes it. Every other event type is acknowledged and ignored.
enum class WebhookAction { ensure_profile, delete_profile, ignore };
WebhookAction webhook_action(std::string_view type);

// "user.created", "organization.updated", ...: 1 to 64 characters of [A-Za-z0-9_.].
std::optional<Violation> check_webhook_event_type(std::string_view type);
// "event_018f331a3178f7fef284b95fe6770384": 1 to 128 characters of [A-Za-z0-9_.:-].
std::optional<Violation> check_webhook_event_id(std::string_view event_id);

// An ISO 8601 date and time with a UTC offset, as Kinde sends it
// ("2024-05-01T17:41:45.592145+10:00", or with "Z"). Sets `unix_micros` to the instant in
// microseconds since 1970-01-01 UTC (digits past the sixth are truncated). Postgres's own
// timestamptz input is not used because it also accepts "now", "epoch" and "infinity".
std::optional<Violation> parse_webhook_timestamp(std::string_view timestamp, std::int64_t &unix_micros);

// How far past the receiver's clock an event's timestamp may be. Kinde's clock and ours differ by
// seconds; an event dated further ahead would, once applied, make every genuine later event of its
// user (a user.deleted) stale until that time. Such an event is left for Kinde to retry.
inline constexpr std::int64_t kWebhookMaxFutureMicros = std::int64_t{5} * 60 * 1000 * 1000;
inline bool webhook_event_is_future(std::int64_t event_micros, std::int64_t now_micros) {
    return event_micros > now_micros && event_micros - now_micros > kWebhookMaxFutureMicros;
}

// What an organization.* event does to its organization (FACTS.md §8: Kinde sends
// organization.created, organization.updated and organization.deleted with data.organization.code).
// Every other type, user events included: none.
enum class WebhookOrganizationAction { none, ensure_organization, delete_organization };
WebhookOrganizationAction webhook_organization_action(std::string_view type);

// The most organizations a user event may list (data.user.organizations). Each listed code is a
// membership written in the webhook's one transaction, within PostgREST's statement timeout; the
// 64 KiB signed body alone would let through about 2,900 of the shortest ({"code":"org_1"}).
// Such an event is refused (400) rather than made a long transaction. (Kinde's own elements, with
// permissions and roles, reach the 64 KiB limit first, at about 800.)
inline constexpr std::size_t kWebhookMaxOrganizations = 1000;
std::optional<Violation> check_webhook_organization_count(std::size_t count);

// The fields of an event both parsers read (the shim's forwarded_event_from_payload over jansson,
// kinde_webhook_apply's webhook_event_parse over jsonb), each with what belongs there: one
// description, so both refuse an event in the same words.
struct WebhookField {
    const char *key;       // the member's name in its object: "id"
    const char *path;      // where it is in the event: "data.user.id"
    const char *expected;  // what belongs there, for the refusal's detail
};

// The event's own string members, read in this order, each checked by its rule before the next.
struct WebhookHeaderField {
    WebhookField field;
    std::optional<Violation> (*check)(std::string_view value);
};
enum WebhookHeader : std::size_t { kWebhookType, kWebhookEventId, kWebhookTimestamp, kWebhookHeaderCount };
extern const WebhookHeaderField kWebhookHeaderFields[kWebhookHeaderCount];

// organization.* events: data.organization.code (by check_org_code).
inline constexpr WebhookField kWebhookOrganizationCode{"code", "data.organization.code",
                                                       "the organization's code as a string"};
// User events: data.user.id (by check_kinde_id); for a user event to ensure, its organizations (a
// list of at most kWebhookMaxOrganizations) and each one's code (by check_org_code).
inline constexpr WebhookField kWebhookUserId{"id", "data.user.id", "the user's Kinde id as a string"};
inline constexpr WebhookField kWebhookUserOrganizations{"organizations", "data.user.organizations",
                                                        "an array of {\"code\": \"org_...\"} objects"};
inline constexpr WebhookField kWebhookMemberCode{"code", "data.user.organizations[].code",
                                                 "each organization's code as a string"};

// The refusal of a field that is missing or of the wrong type: 22023, "webhook event has no
// \"<path>\"", with what belongs there as the detail.
Violation webhook_field_missing(const WebhookField &field);

// The refusal of an event that is not a JSON object (22023).
Violation webhook_event_not_object();

// parse_webhook_timestamp's check without its value (kWebhookHeaderFields's timestamp rule).
std::optional<Violation> check_webhook_timestamp(std::string_view timestamp);

}  // namespace kinde_claims::rules
