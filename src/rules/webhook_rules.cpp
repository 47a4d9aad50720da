#include "webhook_rules.hpp"

#include <string>

namespace kinde_claims::rules {
namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Reads exactly `count` digits at `pos`; false if any is missing.
bool read_digits(std::string_view text, std::size_t &pos, std::size_t count, int &value) {
    if (text.size() < pos + count)
        return false;
    value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        char c = text[pos + i];
        if (!is_digit(c))
            return false;
        value = value * 10 + (c - '0');
    }
    pos += count;
    return true;
}

bool read_char(std::string_view text, std::size_t &pos, char expected) {
    if (pos >= text.size() || text[pos] != expected)
        return false;
    ++pos;
    return true;
}

bool is_leap_year(int year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
    static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap_year(year) ? 29 : kDays[month - 1];
}

// Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(int year, int month, int day) {
    year -= month <= 2;
    const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
    const std::int64_t year_of_era = year - era * 400;
    const std::int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

Violation bad_timestamp(std::string_view timestamp, const char *why) {
    return invalid("invalid webhook timestamp " + quote_for_message(timestamp),
                   std::string(why) + ". A webhook timestamp is an ISO 8601 date and time with "
                                      "a UTC offset, such as 2024-05-01T17:41:45.592145+10:00.");
}

}  // namespace

WebhookAction webhook_action(std::string_view type) {
    if (type == "user.created" || type == "user.updated")
        return WebhookAction::ensure_profile;
    if (type == "user.deleted")
        return WebhookAction::delete_profile;
    return WebhookAction::ignore;
}

std::optional<Violation> check_webhook_event_type(std::string_view type) {
    bool ok = !type.empty() && type.size() <= kWebhookEventTypeMaxChars;
    for (std::size_t i = 0; ok && i < type.size(); ++i)
        ok = is_alnum_ascii(type[i]) || type[i] == '_' || type[i] == '.';
    if (ok)
        return std::nullopt;
    return invalid("invalid webhook event type " + quote_for_message(type),
                   "An event type is 1 to 64 characters of A-Z, a-z, 0-9, \"_\" and \".\", "
                   "such as user.created.");
}

std::optional<Violation> check_webhook_event_id(std::string_view event_id) {
    bool ok = !event_id.empty() && event_id.size() <= kWebhookEventIdMaxChars;
    for (std::size_t i = 0; ok && i < event_id.size(); ++i) {
        char c = event_id[i];
        ok = is_alnum_ascii(c) || c == '_' || c == '.' || c == ':' || c == '-';
    }
    if (ok)
        return std::nullopt;
    return invalid("invalid webhook event_id " + quote_for_message(event_id),
                   "An event_id is 1 to 128 characters of A-Z, a-z, 0-9, \"_\", \".\", \":\" and "
                   "\"-\", such as event_018f331a3178f7fef284b95fe6770384.");
}

std::optional<Violation> parse_webhook_timestamp(std::string_view timestamp, std::int64_t &unix_micros) {
    std::size_t pos = 0;
    int year, month, day, hour, minute, second;
    if (!read_digits(timestamp, pos, 4, year) || !read_char(timestamp, pos, '-') ||
        !read_digits(timestamp, pos, 2, month) || !read_char(timestamp, pos, '-') ||
        !read_digits(timestamp, pos, 2, day))
        return bad_timestamp(timestamp, "It does not start with a date YYYY-MM-DD");
    if (!read_char(timestamp, pos, 'T') || !read_digits(timestamp, pos, 2, hour) ||
        !read_char(timestamp, pos, ':') || !read_digits(timestamp, pos, 2, minute) ||
        !read_char(timestamp, pos, ':') || !read_digits(timestamp, pos, 2, second))
        return bad_timestamp(timestamp, "The date is not followed by a time THH:MM:SS");
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
        minute > 59 || second > 59)
        return bad_timestamp(timestamp, "No such date or time");

    std::int64_t micros = 0;
    if (pos < timestamp.size() && timestamp[pos] == '.') {
        ++pos;
        std::size_t digits = 0;
        while (pos < timestamp.size() && is_digit(timestamp[pos])) {
            if (digits < 6)
                micros = micros * 10 + (timestamp[pos] - '0');
            ++digits;
            ++pos;
        }
        if (digits == 0 || digits > 9)
            return bad_timestamp(timestamp, "The fraction of a second has 1 to 9 digits");
        for (std::size_t i = digits; i < 6; ++i)
            micros *= 10;
    }

    int offset_minutes = 0;
    if (pos < timestamp.size() && timestamp[pos] == 'Z') {
        ++pos;
    } else if (pos < timestamp.size() && (timestamp[pos] == '+' || timestamp[pos] == '-')) {
        int sign = timestamp[pos] == '-' ? -1 : 1;
        ++pos;
        int offset_hours, offset_mins;
        if (!read_digits(timestamp, pos, 2, offset_hours) || !read_char(timestamp, pos, ':') ||
            !read_digits(timestamp, pos, 2, offset_mins) || offset_hours > 18 || offset_mins > 59)
            return bad_timestamp(timestamp, "The UTC offset is not +HH:MM or -HH:MM");
        offset_minutes = sign * (offset_hours * 60 + offset_mins);
    } else {
        return bad_timestamp(timestamp, "It has no UTC offset (Z, +HH:MM or -HH:MM)");
    }
    if (pos != timestamp.size())
        return bad_timestamp(timestamp, "There is text after the UTC offset");

    const std::int64_t seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 +
                                 second - std::int64_t{offset_minutes} * 60;
    unix_micros = seconds * 1000000 + micros;
    return std::nullopt;
}

WebhookOrganizationAction webhook_organization_action(std::string_view type) {
    if (type == "organization.created" || type == "organization.updated")
        return WebhookOrganizationAction::ensure_organization;
    if (type == "organization.deleted")
        return WebhookOrganizationAction::delete_organization;
    return WebhookOrganizationAction::none;
}

std::optional<Violation> check_webhook_organization_count(std::size_t count) {
    if (count <= kWebhookMaxOrganizations)
        return std::nullopt;
    return invalid("webhook event lists " + std::to_string(count) + " organizations",
                   "A user event lists at most " + std::to_string(kWebhookMaxOrganizations) +
                       " organizations in data.user.organizations.");
}

const WebhookHeaderField kWebhookHeaderFields[kWebhookHeaderCount] = {
    {{"type", "type", "its event type as a string, such as user.created"}, &check_webhook_event_type},
    {{"event_id", "event_id", "its event id as a string, such as event_0123abcd"}, &check_webhook_event_id},
    {{"timestamp", "timestamp", "the time of the event as an ISO 8601 string with a UTC offset"},
     &check_webhook_timestamp},
};

Violation webhook_field_missing(const WebhookField &field) {
    return invalid("webhook event has no \"" + std::string(field.path) + "\"",
                   "A Kinde webhook event carries " + std::string(field.expected) + ".");
}

Violation webhook_event_not_object() {
    return invalid("webhook event must be a JSON object",
                   "kinde_webhook_apply takes the decoded payload of a Kinde webhook, such as "
                   "{\"type\": \"user.created\", \"event_id\": \"event_...\", \"timestamp\": "
                   "\"...\", \"data\": {\"user\": {\"id\": \"kp_...\"}}}.");
}

std::optional<Violation> check_webhook_timestamp(std::string_view timestamp) {
    std::int64_t unix_micros;
    return parse_webhook_timestamp(timestamp, unix_micros);
}

}  // namespace kinde_claims::rules
