#include "serve/webhook_event.hpp"

#include "common/json.hpp"

namespace kinde_claims::shim {
namespace {

// A string member of the event by its description in rules, or nothing with the refusal in
// `error` when it is missing, not a string, or refused by `check`.
std::optional<std::string_view> string_field(const json_t *object, const rules::WebhookField &field,
                                             std::optional<rules::Violation> (*check)(std::string_view),
                                             std::string &error) {
    auto value = json_string_member(object, field.key);
    if (!value) {
        error = rules::webhook_field_missing(field).message;
        return std::nullopt;
    }
    if (auto violation = check(*value)) {
        error = violation->message;
        return std::nullopt;
    }
    return value;
}

// data.user.organizations ([{"code": "org_...", "permissions": [...], "roles": [...]}], FACTS.md
// §8) as its codes, each by the org code rule.
std::optional<std::vector<std::string>> organization_codes(const json_t *list, std::string &error) {
    if (!json_is_array(list)) {
        error = rules::webhook_field_missing(rules::kWebhookUserOrganizations).message;
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
        auto code = string_field(organization, rules::kWebhookMemberCode, &rules::check_org_code, error);
        if (!code)
            return std::nullopt;
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
        error = rules::webhook_event_not_object().message;
        return std::nullopt;
    }

    std::string_view header[rules::kWebhookHeaderCount];
    for (std::size_t i = 0; i < rules::kWebhookHeaderCount; ++i) {
        const rules::WebhookHeaderField &field = rules::kWebhookHeaderFields[i];
        auto value = string_field(root.get(), field.field, field.check, error);
        if (!value)
            return std::nullopt;
        header[i] = *value;
    }
    ForwardedEvent event;
    event.type = std::string(header[rules::kWebhookType]);
    event.action = rules::webhook_action(event.type);
    event.event_id = std::string(header[rules::kWebhookEventId]);
    event.timestamp = std::string(header[rules::kWebhookTimestamp]);
    rules::parse_webhook_timestamp(event.timestamp, event.unix_micros);  // checked above

    const json_t *data = json_object_get(root.get(), "data");
    event.organization_action = rules::webhook_organization_action(event.type);
    if (event.organization_action != rules::WebhookOrganizationAction::none) {
        auto org_code = string_field(json_object_get(data, "organization"), rules::kWebhookOrganizationCode,
                                     &rules::check_org_code, error);
        if (!org_code)
            return std::nullopt;
        event.org_code = std::string(*org_code);
    }

    // A user event must name its user; another event keeps a user id only if it is valid.
    const json_t *user = json_object_get(data, "user");
    if (event.action != rules::WebhookAction::ignore) {
        auto kinde_id = string_field(user, rules::kWebhookUserId, &rules::check_kinde_id, error);
        if (!kinde_id)
            return std::nullopt;
        event.kinde_id = std::string(*kinde_id);
    } else if (auto kinde_id = json_string_member(user, rules::kWebhookUserId.key);
               kinde_id && !rules::check_kinde_id(*kinde_id)) {
        event.kinde_id = std::string(*kinde_id);
    }

    // Only user.created and user.updated carry a user's organizations (FACTS.md §8).
    if (event.action == rules::WebhookAction::ensure_profile) {
        // null is read as no list (memberships left alone), not refused: Kinde sends null for
        // other empty members (an organization's "permissions"), and a refusal would be retried
        // for 72 hours.
        const json_t *list = json_object_get(user, rules::kWebhookUserOrganizations.key);
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
