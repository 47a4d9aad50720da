// The payload of a verified Kinde webhook, checked by the shared webhook rules, and the one
// RPC body it becomes. (kinde_webhook_apply's own `WebhookEventRow` is the database's parse of that
// body, in Postgres memory; this is the shim's, in text, as it forwards it.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "webhook_rules.hpp"

namespace kinde_claims::shim {

struct ForwardedEvent {
    std::string type;
    std::string event_id;
    std::string timestamp;
    std::int64_t unix_micros = 0;  // the timestamp, in microseconds since 1970-01-01 UTC
    std::string kinde_id;          // empty when the event names no user
    rules::WebhookAction action = rules::WebhookAction::ignore;

    // {"event": {"type", "event_id", "timestamp", "data": {"user": {"id"}}}}: the body of
    // POST /rpc/kinde_webhook_apply. Only what the database uses is forwarded; the names,
    // email and phone in Kinde's payload stay out of the database and its logs.
    std::string rpc_body() const;
};

// Parses and checks a payload (JSON text). On failure sets `error` (a message safe to log and
// to answer with) and returns nothing.
std::optional<ForwardedEvent> forwarded_event_from_payload(std::string_view payload, std::string &error);

}  // namespace kinde_claims::shim
