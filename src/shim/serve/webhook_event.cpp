#include "serve/webhook_event.hpp"

#include "common/json.hpp"

namespace kinde_claims::shim {
namespace {

// The member as a string, or an error naming the field.
std::optional<std::string_view> required_string(const json_t *object, const char *field, const char *expected,
                                                std::string &error) {
    auto value = json_string_member(object, field);
    if (!value)
        error = rules::webhook_field_missing(field, expected).message;
    return value;
}

// data.user.organizations ([{"code": "org_...", "permissions": [...], "roles": [...]}], FACTS.md
// §8) as its codes, each by the org code rule; the same refusals, in the same words, as
// kinde_webhook_apply's.
std::optional<std::vector<std::string>> organization_codes(const json_t *list, std::string &error) {
    if (!json_is_array(list)) {
        error = rules::webhook_field_missing("data.user.organizations",
                                             "an array of {\"code\": \"org_...\"} objects")
                    .message;
        return std::nullopt;
    }
    if (auto violation = rules::check_webhook_organization_count(json_array_size(list))) {
        error = violation->message;
        return std::nullopt;
    }
    std::vector<std::string> codes;
    codes.reserve(json_array_size(list));
    std::size_t index;
    const json_t *organization;
    json_array_foreach(list, index, organization) {
        auto code = json_string_member(organization, "code");
        if (!code) {
            error = rules::webhook_field_missing("data.user.organizations[].code",
                                                 "each organization's code as a string")
                        .message;
            return std::nullopt;
        }
        if (auto violation = rules::check_org_code(*code)) {
            error = violation->message;
            return std::nullopt;
        }
        codes.emplace_back(*code);
    }
    return codes;
}

}  // namespace

std::optional<ForwardedEvent> forwarded_event_from_payload(std::string_view payload, std::string &error) {
    std::string parse_error;
    Json root = json_parse(payload, parse_error);
    if (!root) {
        error = "payload is not JSON: " + parse_error;
        return std::nullopt;
    }
    if (!json_is_object(root.get())) {
        error = "payload is not a JSON object";
        return std::nullopt;
    }

    ForwardedEvent event;
    auto type = required_string(root.get(), "type", "its event type as a string", error);
    if (!type)
        return std::nullopt;
    if (auto violation = rules::check_webhook_event_type(*type)) {
        error = violation->message;
        return std::nullopt;
    }
    event.type = std::string(*type);
    event.action = rules::webhook_action(*type);

    auto event_id = required_string(root.get(), "event_id", "its event id as a string", error);
    if (!event_id)
        return std::nullopt;
    if (auto violation = rules::check_webhook_event_id(*event_id)) {
        error = violation->message;
        return std::nullopt;
    }
    event.event_id = std::string(*event_id);

    auto timestamp = required_string(root.get(), "timestamp", "the time of the event as a string", error);
    if (!timestamp)
        return std::nullopt;
    std::int64_t unix_micros;
    if (auto violation = rules::parse_webhook_timestamp(*timestamp, unix_micros)) {
        error = violation->message;
        return std::nullopt;
    }
    event.timestamp = std::string(*timestamp);
    event.unix_micros = unix_micros;

    const json_t *data = json_object_get(root.get(), "data");
    event.organization_action = rules::webhook_organization_action(*type);
    if (event.organization_action != rules::WebhookOrganizationAction::none) {
        auto org_code = json_string_member(json_object_get(data, "organization"), "code");
        if (!org_code) {
            error =
                rules::webhook_field_missing("data.organization.code", "the organization's code as a string")
                    .message;
            return std::nullopt;
        }
        if (auto violation = rules::check_org_code(*org_code)) {
            error = violation->message;
            return std::nullopt;
        }
        event.org_code = std::string(*org_code);
    }

    // A user event must name its user; another event keeps a user id only if it is valid.
    const json_t *user = json_object_get(data, "user");
    auto kinde_id = json_string_member(user, "id");
    if (kinde_id) {
        auto violation = rules::check_kinde_id(*kinde_id);
        if (violation && event.action != rules::WebhookAction::ignore) {
            error = violation->message;
            return std::nullopt;
        }
        if (!violation)
            event.kinde_id = std::string(*kinde_id);
    } else if (event.action != rules::WebhookAction::ignore) {
        error = rules::webhook_field_missing("data.user.id", "the user's Kinde id as a string").message;
        return std::nullopt;
    }

    // Only user.created and user.updated carry a user's organizations (FACTS.md §8).
    if (event.action == rules::WebhookAction::create_profile ||
        event.action == rules::WebhookAction::update_profile) {
        // null is read as no list (memberships left alone), not refused: Kinde sends null for
        // other empty members (an organization's "permissions"), and a refusal would be retried
        // for 72 hours.
        const json_t *list = json_object_get(user, "organizations");
        if (list && !json_is_null(list)) {
            event.organizations = organization_codes(list, error);
            if (!event.organizations)
                return std::nullopt;
        }
    }
    return event;
}

std::string ForwardedEvent::rpc_body() const {
    Json event(json_pack("{s:s%, s:s%, s:s%}", "type", type.data(), type.size(), "event_id", event_id.data(),
                         event_id.size(), "timestamp", timestamp.data(), timestamp.size()));
    Json data(json_object());
    if (!kinde_id.empty()) {
        json_t *user = json_pack("{s:s%}", "id", kinde_id.data(), kinde_id.size());
        if (organizations) {
            json_t *list = json_array();
            for (const std::string &code : *organizations)
                json_array_append_new(list, json_pack("{s:s%}", "code", code.data(), code.size()));
            json_object_set_new(user, "organizations", list);
        }
        json_object_set_new(data.get(), "user", user);
    }
    if (organization_action != rules::WebhookOrganizationAction::none)
        json_object_set_new(data.get(), "organization",
                            json_pack("{s:s%}", "code", org_code.data(), org_code.size()));
    if (json_object_size(data.get()) > 0)
        json_object_set(event.get(), "data", data.get());
    Json body(json_pack("{s:O}", "event", event.get()));
    return json_text(body.get());
}

}  // namespace kinde_claims::shim
