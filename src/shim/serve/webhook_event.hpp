// The payload of a verified Kinde webhook, checked by the shared webhook rules, and the one
// RPC body it becomes. (kinde_webhook_apply's own `WebhookEventRow` is the database's parse of that
// body, in Postgres memory; this is the shim's, in text, as it forwards it.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "webhook_rules.hpp"

namespace kinde_claims::shim {

struct ForwardedEvent {
    std::string type;
    std::string event_id;
    std::string timestamp;
    std::int64_t unix_micros = 0;  // the timestamp, in microseconds since 1970-01-01 UTC
    std::string kinde_id;          // empty when the event names no user
    rules::WebhookAction action = rules::WebhookAction::ignore;
    // organization.* events: what they do, and data.organization.code (by rules::check_org_code,
    // the database's own rule).
    rules::WebhookOrganizationAction organization_action = rules::WebhookOrganizationAction::none;
    std::string org_code;
    // user.created/user.updated: the codes of data.user.organizations (each by the same rule), in
    // Kinde's order, when the
    // payload lists them (at most rules::kWebhookMaxOrganizations); nothing when it does not, and
    // the database then leaves the user's memberships alone.
    std::optional<std::vector<std::string>> organizations;

    // {"event": {"type", "event_id", "timestamp", "data": {"user": {"id", "organizations":
    // [{"code"}, ...]}, "organization": {"code"}}}}, each data member only when the event has it:
    // the body of POST /rpc/kinde_webhook_apply. Only what the database uses is forwarded; names,
    // email, phone, an organization's name, handle and external_id, and a member's permissions
    // and roles stay out of the database and its logs.
    std::string rpc_body() const;
};

// Parses and checks a payload (JSON text). On failure sets `error` (a message safe to log and
// to answer with) and returns nothing.
std::optional<ForwardedEvent> forwarded_event_from_payload(std::string_view payload, std::string &error);

}  // namespace kinde_claims::shim
