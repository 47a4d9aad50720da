// The webhook body handler: request body and Content-Type plus the signing keys in, a verified
// event or a refusal out. Pure (no network, no clock, no globals), so unit tests and the fuzzer
// call it directly; the server does the RPC call and the key refresh that a refusal asks for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "serve/key_set.hpp"
#include "serve/webhook_event.hpp"

namespace kinde_claims::shim {

inline constexpr std::size_t kMaxWebhookBytes = 64 * 1024;

struct VerifiedWebhook {
    ForwardedEvent event;
    std::string kid;  // the key that verified it
};

// Why a body was refused, and the HTTP status to answer with.
struct WebhookRefusal {
    int status = 0;            // 400 malformed, 401 bad signature or key, 413 too large, 415 Content-Type
    std::string reason;        // safe to log and to answer with
    std::string kid;           // the token's kid once read (untrusted text), for the log
    bool unknown_kid = false;  // well-formed but signed with a kid not in `keys`: reload them
};

// Only RS256 with a key chosen by kid is accepted: "none", HS*, and every other alg are refused
// before any key is touched. Real Kinde webhooks carry no iss, exp, iat or jti, so none is required.
// Returns the event, or nothing with `refusal` filled in.
// White space after the token (a relay that adds a newline) is not part of it and is ignored.
std::optional<VerifiedWebhook> webhook_verify(std::string_view body, std::string_view content_type,
                                              const KeySet &keys, WebhookRefusal &refusal);

// For an event dated more than 5 minutes past `now_unix_micros` (rules::webhook_event_is_future):
// the seconds until it no longer is, for Retry-After (1 to 3600). Nothing for any other event.
std::optional<unsigned> future_event_retry_after(const ForwardedEvent &event, std::int64_t now_unix_micros);

}  // namespace kinde_claims::shim
