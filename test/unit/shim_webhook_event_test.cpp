// A verified payload becomes one event, and one RPC body with only what the database needs.
#include <gtest/gtest.h>

#include "common/json.hpp"
#include "serve/webhook_event.hpp"
#include "test_keys.hpp"

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
    EXPECT_EQ(created->action, WebhookAction::ensure_profile);
    auto updated = forwarded_event_from_payload(test::payload("user.updated", "event_2", "kp_1"), error);
    ASSERT_TRUE(updated) << error;
    EXPECT_EQ(updated->action, WebhookAction::ensure_profile);
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

// The body the shim forwards for this payload, or the refusal's message.
std::string forwarded(const std::string &payload) {
    std::string error;
    auto event = forwarded_event_from_payload(payload, error);
    return event ? event->rpc_body() : "refused: " + error;
}

// A user.* payload like Kinde's (FACTS.md §8), with `organizations` as the user's list when given.
std::string user_payload(const char *type, const char *organizations = nullptr) {
    return std::string(R"({"type":")") + type +
           R"(","event_id":"event_u","source":"admin","timestamp":"2024-05-01T00:00:00Z","data":{"user":{"id":"kp_1","email":"someone@example.com","first_name":"Some")" +
           (organizations ? std::string(R"(,"organizations":)") + organizations : std::string()) + "}}}";
}

// An organization.* payload like Kinde's (FACTS.md §8), its data.organization being `organization`.
std::string organization_payload(const char *type, const char *organization) {
    return std::string(R"({"type":")") + type +
           R"(","event_id":"event_o","source":"admin","timestamp":"2024-05-01T00:00:00Z","data":{"organization":)" +
           organization + "}}";
}

TEST(ForwardedEvent, OrganizationEventsForwardOnlyTheCode) {
    using kinde_claims::rules::WebhookOrganizationAction;
    for (auto [type, action] :
         {std::pair{"organization.created", WebhookOrganizationAction::ensure_organization},
          std::pair{"organization.updated", WebhookOrganizationAction::ensure_organization},
          std::pair{"organization.deleted", WebhookOrganizationAction::delete_organization}}) {
        std::string error;
        auto event = forwarded_event_from_payload(
            organization_payload(
                type,
                R"({"code":"org_1ccfb819462","name":"Acme Secret Name","handle":"acme","external_id":"ext-9"})"),
            error);
        ASSERT_TRUE(event) << type << ": " << error;
        EXPECT_EQ(event->action, WebhookAction::ignore) << type;  // no profile changes
        EXPECT_EQ(event->organization_action, action) << type;
        EXPECT_EQ(event->org_code, "org_1ccfb819462");
        EXPECT_EQ(
            event->rpc_body(),
            std::string(R"({"event":{"type":")") + type +
                R"(","event_id":"event_o","timestamp":"2024-05-01T00:00:00Z","data":{"organization":{"code":"org_1ccfb819462"}}}})");
    }
}

TEST(ForwardedEvent, OrganizationCodesFollowTheDatabasesRule) {
    // "org_" and 1 to 64 letters or digits (rules::check_org_code), in an organization.* event
    // and in a user's list alike.
    const std::string longest = "org_" + std::string(64, 'f');
    for (const std::string &code :
         {std::string("not an org"), std::string("org_"), std::string("org_not-hex!"), std::string("ORG_1"),
          std::string("org_\\u00e9"), std::string(""), std::string("org_1 "), longest + "0"}) {
        std::string element = R"({"code":")" + code + R"("})";
        std::string refused = R"(refused: invalid organization code ")";
        EXPECT_EQ(forwarded(organization_payload("organization.updated", element.c_str()))
                      .substr(0, refused.size()),
                  refused)
            << code;
        EXPECT_EQ(forwarded(user_payload("user.updated", ("[{\"code\":\"org_1\"}," + element + "]").c_str()))
                      .substr(0, refused.size()),
                  refused)
            << code;
    }
    std::string element = R"({"code":")" + longest + R"("})";
    EXPECT_EQ(
        forwarded(organization_payload("organization.updated", element.c_str())),
        R"({"event":{"type":"organization.updated","event_id":"event_o","timestamp":"2024-05-01T00:00:00Z","data":{"organization":{"code":")" +
            longest + R"("}}}})");
}

TEST(ForwardedEvent, OrganizationEventsWithoutAStringCodeAreRefused) {
    const std::string refused = R"(refused: webhook event has no "data.organization.code")";
    for (const char *organization : {R"({})", R"({"code":7})", R"({"code":null})", R"({"code":["org_1"]})",
                                     R"("org_1")", R"(null)", R"([{"code":"org_1"}])", R"({"name":"Acme"})"})
        EXPECT_EQ(forwarded(organization_payload("organization.created", organization)), refused)
            << organization;
    EXPECT_EQ(
        forwarded(R"({"type":"organization.deleted","event_id":"e","timestamp":"2024-05-01T00:00:00Z"})"),
        refused);
    EXPECT_EQ(
        forwarded(
            R"({"type":"organization.deleted","event_id":"e","timestamp":"2024-05-01T00:00:00Z","data":{"user":{"id":"kp_1"}}})"),
        refused);
    // Other organization.* types Kinde may add are still recorded and ignored, code or not.
    EXPECT_EQ(
        forwarded(organization_payload("organization.renamed", R"({"name":"Acme"})")),
        R"({"event":{"type":"organization.renamed","event_id":"event_o","timestamp":"2024-05-01T00:00:00Z"}})");
}

TEST(ForwardedEvent, UserEventsForwardTheirOrganizationsCodes) {
    for (const char *type : {"user.created", "user.updated"}) {
        std::string error;
        auto event = forwarded_event_from_payload(
            user_payload(
                type,
                R"([{"code":"org_590d7f1a86a","permissions":null,"roles":null},{"code":"org_2","permissions":["read:x"],"roles":[{"id":"r","key":"admin"}]},{"code":"org_590d7f1a86a"}])"),
            error);
        ASSERT_TRUE(event) << type << ": " << error;
        ASSERT_TRUE(event->organizations);
        EXPECT_EQ(*event->organizations,
                  (std::vector<std::string>{"org_590d7f1a86a", "org_2", "org_590d7f1a86a"}));
        // Kinde's order, duplicates and all: the database takes the distinct codes.
        EXPECT_EQ(
            event->rpc_body(),
            std::string(R"({"event":{"type":")") + type +
                R"(","event_id":"event_u","timestamp":"2024-05-01T00:00:00Z","data":{"user":{"id":"kp_1","organizations":[{"code":"org_590d7f1a86a"},{"code":"org_2"},{"code":"org_590d7f1a86a"}]}}}})");
    }
    // An empty list is a user in no organization: forwarded, so the database removes them all.
    EXPECT_EQ(
        forwarded(user_payload("user.updated", "[]")),
        R"({"event":{"type":"user.updated","event_id":"event_u","timestamp":"2024-05-01T00:00:00Z","data":{"user":{"id":"kp_1","organizations":[]}}}})");
    // No list: no key, and the database leaves the memberships alone.
    std::string error;
    auto unlisted = forwarded_event_from_payload(user_payload("user.updated"), error);
    ASSERT_TRUE(unlisted) << error;
    EXPECT_FALSE(unlisted->organizations);
    EXPECT_EQ(unlisted->rpc_body().find("organizations"), std::string::npos);
    // A null list is no list too: forwarded without the key, never refused.
    auto null_list = forwarded_event_from_payload(user_payload("user.updated", "null"), error);
    ASSERT_TRUE(null_list) << error;
    EXPECT_FALSE(null_list->organizations);
    EXPECT_EQ(null_list->rpc_body().find("organizations"), std::string::npos);
    // Only user.created and user.updated carry memberships; a list elsewhere is not forwarded,
    // nor judged.
    EXPECT_EQ(
        forwarded(user_payload("user.deleted", R"([{"code":"org_1"}])")),
        R"({"event":{"type":"user.deleted","event_id":"event_u","timestamp":"2024-05-01T00:00:00Z","data":{"user":{"id":"kp_1"}}}})");
    EXPECT_EQ(
        forwarded(user_payload("user.authenticated", R"("not a list")")),
        R"({"event":{"type":"user.authenticated","event_id":"event_u","timestamp":"2024-05-01T00:00:00Z","data":{"user":{"id":"kp_1"}}}})");
}

TEST(ForwardedEvent, MalformedOrganizationListsAreRefused) {
    const std::string not_list = R"(refused: webhook event has no "data.user.organizations")";
    const std::string no_code = R"(refused: webhook event has no "data.user.organizations[].code")";
    for (const char *type : {"user.created", "user.updated"}) {
        for (const char *list : {R"({"code":"org_1"})", R"("org_1")", R"(1)", R"(true)"})
            EXPECT_EQ(forwarded(user_payload(type, list)), not_list) << type << " " << list;
        for (const char *list :
             {R"([{"code":"org_1"},{}])", R"([{"code":7}])", R"([{"code":null}])", R"(["org_1"])",
              R"([null])", R"([[{"code":"org_1"}]])", R"([{"Code":"org_1"}])"})
            EXPECT_EQ(forwarded(user_payload(type, list)), no_code) << type << " " << list;
    }
}

TEST(ForwardedEvent, OrganizationListsAreBounded) {
    using kinde_claims::rules::kWebhookMaxOrganizations;
    auto list_of = [](std::size_t count) {
        std::string list = "[";
        for (std::size_t i = 0; i < count; ++i)
            list += (i ? ",{\"code\":\"org_" : "{\"code\":\"org_") + std::to_string(i) + "\"}";
        return list + "]";
    };
    std::string error;
    auto most = forwarded_event_from_payload(
        user_payload("user.updated", list_of(kWebhookMaxOrganizations).c_str()), error);
    ASSERT_TRUE(most) << error;
    EXPECT_EQ(most->organizations->size(), kWebhookMaxOrganizations);
    EXPECT_EQ(most->organizations->back(), "org_" + std::to_string(kWebhookMaxOrganizations - 1));
    EXPECT_EQ(forwarded(user_payload("user.updated", list_of(kWebhookMaxOrganizations + 1).c_str())),
              "refused: webhook event lists " + std::to_string(kWebhookMaxOrganizations + 1) +
                  " organizations");
}

TEST(ForwardedEvent, KindesOwnWebhooksForwardTheirOrganization) {
    // test/fixtures/kinde-webhooks/user-updated-1.jwt's payload, as Kinde signed it.
    EXPECT_EQ(
        forwarded(
            R"({"data":{"user":{"email":"daniel@kinde.com","first_name":"Daniel","id":"kp_65b28d71bba14fa380d56d2d8d3503da","is_password_reset_requested":false,"is_suspended":false,"last_name":"Rivers","organizations":[{"code":"org_590d7f1a86a","permissions":null,"roles":null}],"phone":null,"username":"daniel"}},"event_id":"event_018f331a3178f7fef284b95fe6770384","source":"admin","timestamp":"2024-05-01T17:41:45.592145+10:00","type":"user.updated"})"),
        R"({"event":{"type":"user.updated","event_id":"event_018f331a3178f7fef284b95fe6770384","timestamp":"2024-05-01T17:41:45.592145+10:00","data":{"user":{"id":"kp_65b28d71bba14fa380d56d2d8d3503da","organizations":[{"code":"org_590d7f1a86a"}]}}}})");
}

TEST(ForwardedEvent, OtherEventTypesPassWithOrWithoutAUser) {
    std::string error;
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
            Case{"\"user.created\"", "webhook event must be a JSON object"},
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
