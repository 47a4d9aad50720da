// A verified payload becomes one event, and one RPC body with only what the database needs.
#include <gtest/gtest.h>

#include "json.hpp"
#include "test_keys.hpp"
#include "webhook_event.hpp"

namespace {

using kinde_claims::rules::WebhookAction;
using kinde_claims::shim::forwarded_event_from_payload;
using kinde_claims::shim::json_parse;
using kinde_claims::shim::json_text;
namespace test = kinde_claims::test;

TEST(ForwardedEvent, UserEventsNameTheirAction) {
    std::string error;
    auto created = forwarded_event_from_payload(test::payload("user.created", "event_1", "kp_1"), error);
    ASSERT_TRUE(created) << error;
    EXPECT_EQ(created->action, WebhookAction::create_profile);
    auto updated = forwarded_event_from_payload(test::payload("user.updated", "event_2", "kp_1"), error);
    EXPECT_EQ(updated->action, WebhookAction::update_profile);
    auto deleted = forwarded_event_from_payload(
        R"({"type":"user.deleted","event_id":"event_3","source":"admin","timestamp":"2024-05-01T00:00:00Z","data":{"user":{"id":"kp_1"}}})",
        error);
    ASSERT_TRUE(deleted) << error;
    EXPECT_EQ(deleted->action, WebhookAction::delete_profile);
    EXPECT_EQ(deleted->kinde_id, "kp_1");
}

TEST(ForwardedEvent, RpcBodyCarriesOnlyWhatTheDatabaseUses) {
    std::string error;
    auto event = forwarded_event_from_payload(test::payload("user.created", "event_1", "kp_1"), error);
    ASSERT_TRUE(event);
    std::string body = event->rpc_body();
    EXPECT_EQ(
        json_text(json_parse(body).get()),
        R"({"event":{"type":"user.created","event_id":"event_1","timestamp":"2024-05-01T17:41:45.592145+10:00","data":{"user":{"id":"kp_1"}}}})");
    EXPECT_EQ(body.find("someone@example.com"), std::string::npos);
}

TEST(ForwardedEvent, OtherEventTypesPassWithOrWithoutAUser) {
    std::string error;
    auto organization = forwarded_event_from_payload(
        R"({"type":"organization.created","event_id":"event_o","timestamp":"2024-05-01T00:00:00Z","data":{"organization":{"code":"org_1"}}})",
        error);
    ASSERT_TRUE(organization) << error;
    EXPECT_EQ(organization->action, WebhookAction::ignore);
    EXPECT_EQ(organization->kinde_id, "");
    EXPECT_EQ(organization->rpc_body().find("data"), std::string::npos);

    // An id that breaks the rule is dropped rather than refused: the event changes nothing.
    auto odd =
        forwarded_event_from_payload(test::payload("user.authenticated", "event_a", "not-kinde"), error);
    ASSERT_TRUE(odd) << error;
    EXPECT_EQ(odd->kinde_id, "");
}

TEST(ForwardedEvent, MissingOrMistypedFieldsAreNamed) {
    struct Case {
        const char *payload, *error;
    };
    for (
        const Case &c : {
            Case{"not json", ""},
            Case{"\"user.created\"", "payload is not a JSON object"},
            Case{R"({"event_id":"e","timestamp":"2024-05-01T00:00:00Z"})", "webhook event has no \"type\""},
            Case{R"({"type":1,"event_id":"e","timestamp":"2024-05-01T00:00:00Z"})",
                 "webhook event has no \"type\""},
            Case{R"({"type":"user.created","timestamp":"2024-05-01T00:00:00Z"})",
                 "webhook event has no \"event_id\""},
            Case{R"({"type":"user.created","event_id":"e"})", "webhook event has no \"timestamp\""},
            Case{
                R"({"type":"user.created","event_id":"e","timestamp":"2024-05-01T00:00:00Z","data":{"user":{"id":7}}})",
                "webhook event has no \"data.user.id\""},
            Case{
                R"({"type":"user.created","event_id":"e","timestamp":"2024-05-01T00:00:00Z","data":{"user":{"id":"kp_1\u0000x"}}})",
                "payload is not JSON: \\u0000 is not allowed without JSON_ALLOW_NUL at character 107"},
            Case{
                R"({"type":"user.created\u0000","event_id":"e","timestamp":"2024-05-01T00:00:00Z","data":{"user":{"id":"kp_1"}}})",
                "payload is not JSON: \\u0000 is not allowed without JSON_ALLOW_NUL at character 28"},
        }) {
        std::string error;
        EXPECT_FALSE(forwarded_event_from_payload(c.payload, error)) << c.payload;
        if (*c.error) {
            EXPECT_EQ(error, c.error) << c.payload;
        } else {
            EXPECT_FALSE(error.empty());
        }
    }
}

}  // namespace
