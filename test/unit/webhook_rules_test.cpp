// The webhook rules shared by the shim and kinde_webhook_apply.
#include <gtest/gtest.h>

#include "webhook_rules.hpp"

namespace {

using namespace kinde_claims::rules;

std::int64_t micros(const char *timestamp) {
    std::int64_t value = -1;
    auto violation = parse_webhook_timestamp(timestamp, value);
    EXPECT_FALSE(violation) << timestamp << ": " << (violation ? violation->detail : "");
    return value;
}

TEST(WebhookRules, TimestampsAreInstantsInUtc) {
    EXPECT_EQ(micros("1970-01-01T00:00:00Z"), 0);
    EXPECT_EQ(micros("1970-01-01T00:00:00.000001Z"), 1);
    EXPECT_EQ(micros("1970-01-01T10:00:00+10:00"), 0);
    EXPECT_EQ(micros("1969-12-31T23:59:59-00:00"), -1000000);
    // Kinde's own: 2024-05-01T07:41:45.592145Z (date -u -d @1714549305).
    EXPECT_EQ(micros("2024-05-01T17:41:45.592145+10:00"), 1714549305592145);
    EXPECT_EQ(micros("2024-05-01T07:41:45.592145Z"), 1714549305592145);
    EXPECT_EQ(micros("2024-05-01T07:41:45.5921459Z"), 1714549305592145);
    EXPECT_EQ(micros("2024-05-01T07:41:45.5Z"), 1714549305500000);
    EXPECT_EQ(micros("2024-02-29T00:00:00Z"), 1709164800000000);
    EXPECT_EQ(micros("2000-03-01T00:00:00Z") - micros("2000-02-28T00:00:00Z"), 2 * 86400000000LL);
    EXPECT_EQ(micros("0001-01-01T00:00:00Z"), -62135596800000000);
}

TEST(WebhookRules, MalformedTimestampsAre22023) {
    for (const char *timestamp : {"",
                                  "now",
                                  "infinity",
                                  "epoch",
                                  "2024-05-01",
                                  "2024-05-01T00:00:00",
                                  "2024-05-01 00:00:00Z",
                                  "2024-5-01T00:00:00Z",
                                  "2024-13-01T00:00:00Z",
                                  "2023-02-29T00:00:00Z",
                                  "2024-04-31T00:00:00Z",
                                  "2024-05-01T24:00:00Z",
                                  "2024-05-01T00:60:00Z",
                                  "2024-05-01T00:00:60Z",
                                  "2024-05-01T00:00:00.Z",
                                  "2024-05-01T00:00:00.1234567890Z",
                                  "2024-05-01T00:00:00+1000",
                                  "2024-05-01T00:00:00+19:00",
                                  "2024-05-01T00:00:00Zjunk",
                                  "0000-01-01T00:00:00Z",
                                  "+2024-05-01T00:00:00Z",
                                  "2024-05-01t00:00:00z"}) {
        std::int64_t value;
        auto violation = parse_webhook_timestamp(timestamp, value);
        ASSERT_TRUE(violation) << timestamp;
        EXPECT_STREQ(violation->sqlstate, "22023");
        EXPECT_NE(violation->detail.find("ISO 8601"), std::string::npos);
    }
}

TEST(WebhookRules, EventTypesAndIds) {
    EXPECT_FALSE(check_webhook_event_type("user.created"));
    EXPECT_FALSE(check_webhook_event_type("access_request.created"));
    EXPECT_TRUE(check_webhook_event_type(""));
    EXPECT_TRUE(check_webhook_event_type("user created"));
    EXPECT_TRUE(check_webhook_event_type(std::string(65, 'a')));
    EXPECT_FALSE(check_webhook_event_id("event_018f331a3178f7fef284b95fe6770384"));
    EXPECT_TRUE(check_webhook_event_id(""));
    EXPECT_TRUE(check_webhook_event_id("event 1"));
    EXPECT_TRUE(check_webhook_event_id(std::string(129, 'e')));
    EXPECT_FALSE(check_webhook_event_id(std::string(128, 'e')));
}

TEST(WebhookRules, OnlyUserLifecycleEventsAct) {
    EXPECT_EQ(webhook_action("user.created"), WebhookAction::ensure_profile);
    EXPECT_EQ(webhook_action("user.updated"), WebhookAction::ensure_profile);
    EXPECT_EQ(webhook_action("user.deleted"), WebhookAction::delete_profile);
    EXPECT_EQ(webhook_action("user.authenticated"), WebhookAction::ignore);
    EXPECT_EQ(webhook_action("organization.created"), WebhookAction::ignore);
    EXPECT_EQ(webhook_action("User.Created"), WebhookAction::ignore);
}

TEST(WebhookRules, EventsMoreThanFiveMinutesAheadAreFuture) {
    const std::int64_t now = micros("2024-05-01T12:00:00Z");
    EXPECT_FALSE(webhook_event_is_future(micros("2024-05-01T12:05:00Z"), now));
    EXPECT_TRUE(webhook_event_is_future(micros("2024-05-01T12:05:00.000001Z"), now));
    EXPECT_TRUE(webhook_event_is_future(micros("2099-01-01T00:00:00Z"), now));
    EXPECT_FALSE(webhook_event_is_future(micros("2020-01-01T00:00:00Z"), now));
    EXPECT_FALSE(webhook_event_is_future(now, now));
    // Offsets are instants: 12:06+00:30 is 11:36 UTC.
    EXPECT_FALSE(webhook_event_is_future(micros("2024-05-01T12:06:00+00:30"), now));
}

TEST(WebhookRules, OrganizationEventsNameTheirAction) {
    EXPECT_EQ(webhook_organization_action("organization.created"),
              WebhookOrganizationAction::ensure_organization);
    EXPECT_EQ(webhook_organization_action("organization.updated"),
              WebhookOrganizationAction::ensure_organization);
    EXPECT_EQ(webhook_organization_action("organization.deleted"),
              WebhookOrganizationAction::delete_organization);
    for (const char *type : {"user.created", "user.updated", "user.deleted", "organization.created.x",
                             "Organization.created", "organization", "organization.", ""})
        EXPECT_EQ(webhook_organization_action(type), WebhookOrganizationAction::none) << type;
    // And they change no profile.
    EXPECT_EQ(webhook_action("organization.deleted"), WebhookAction::ignore);
}

TEST(WebhookRules, OrganizationListsAreBounded) {
    EXPECT_FALSE(check_webhook_organization_count(0));
    EXPECT_FALSE(check_webhook_organization_count(kWebhookMaxOrganizations));
    auto violation = check_webhook_organization_count(kWebhookMaxOrganizations + 1);
    ASSERT_TRUE(violation);
    EXPECT_STREQ(violation->sqlstate, "22023");
    EXPECT_EQ(violation->message, "webhook event lists 1001 organizations");
    EXPECT_EQ(violation->detail, "A user event lists at most 1000 organizations in data.user.organizations.");
}

// The one description of an event's fields both parsers walk: the order, the rules, the words.
TEST(WebhookRules, FieldsAreDescribedOnceWithTheirRefusals) {
    const char *paths[kWebhookHeaderCount] = {"type", "event_id", "timestamp"};
    for (std::size_t i = 0; i < kWebhookHeaderCount; ++i)
        EXPECT_STREQ(kWebhookHeaderFields[i].field.path, paths[i]);
    EXPECT_FALSE(kWebhookHeaderFields[kWebhookType].check("user.created"));
    EXPECT_TRUE(kWebhookHeaderFields[kWebhookType].check("user created"));
    EXPECT_TRUE(kWebhookHeaderFields[kWebhookEventId].check("event 1"));
    EXPECT_FALSE(kWebhookHeaderFields[kWebhookTimestamp].check("2024-05-01T17:41:45.592145+10:00"));
    EXPECT_TRUE(kWebhookHeaderFields[kWebhookTimestamp].check("now"));

    Violation missing = webhook_field_missing(kWebhookHeaderFields[kWebhookType].field);
    EXPECT_STREQ(missing.sqlstate, "22023");
    EXPECT_EQ(missing.message, "webhook event has no \"type\"");
    EXPECT_EQ(missing.detail,
              "A Kinde webhook event carries its event type as a string, such as user.created.");
    EXPECT_EQ(webhook_field_missing(kWebhookMemberCode).message,
              "webhook event has no \"data.user.organizations[].code\"");
    EXPECT_EQ(webhook_event_not_object().message, "webhook event must be a JSON object");
}

}  // namespace
