// The webhook body handler: request body and Content-Type plus the signing keys in, a decision
// out. Pure (no network, no clock, no globals), so unit tests and the fuzzer call it directly;
// the server does the RPC call and the key refresh that a decision asks for.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "key_set.hpp"
#include "webhook_event.hpp"

namespace kinde_claims::shim {

inline constexpr std::size_t kMaxWebhookBytes = 64 * 1024;

struct WebhookDecision {
    // 0 when the event is verified and well-formed (make the RPC call), else the HTTP status to
    // answer: 400 malformed, 401 bad signature or key, 413 too large, 415 wrong Content-Type.
    int status = 0;
    std::string reason;        // why it was refused; safe to log and to answer with
    std::string kid;           // the token's kid once read (untrusted text), for the log
    bool unknown_kid = false;  // well-formed but signed with a kid not in `keys`
    std::optional<WebhookEvent> event;
};

// Only RS256 with a key chosen by kid is accepted: "none", HS*, and every other alg are refused
// before any key is touched. Real Kinde webhooks carry no iss, exp, iat or jti, so none is required.
WebhookDecision webhook_decide(std::string_view body, std::string_view content_type, const KeySet &keys);

}  // namespace kinde_claims::shim
