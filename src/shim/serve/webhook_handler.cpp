#include "serve/webhook_handler.hpp"

#include <cjose/base64.h>

#include <algorithm>

#include "common/json.hpp"
#include "serve/base64url.hpp"

namespace kinde_claims::shim {
namespace {

// "application/jwt", any case, parameters ignored. Kinde always sends it; a missing header is
// tolerated so that a hand-made test delivery still works.
bool content_type_is_jwt(std::string_view content_type) {
    std::string_view media = content_type.substr(0, content_type.find(';'));
    while (!media.empty() && (media.back() == ' ' || media.back() == '\t'))
        media.remove_suffix(1);
    if (media.empty())
        return true;
    static constexpr std::string_view kJwt = "application/jwt";
    if (media.size() != kJwt.size())
        return false;
    for (std::size_t i = 0; i < media.size(); ++i) {
        char c = media[i];
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
        if (c != kJwt[i])
            return false;
    }
    return true;
}

// The JOSE header of a compact JWS, decoded by cjose and parsed by jansson.
Json jose_header(std::string_view encoded) {
    uint8_t *decoded = nullptr;
    size_t decoded_len = 0;
    cjose_err error;
    if (!cjose_base64url_decode(encoded.data(), encoded.size(), &decoded, &decoded_len, &error))
        return nullptr;
    CjoseBytes owned(decoded);
    Json header = json_parse(std::string_view(reinterpret_cast<char *>(owned.get()), decoded_len));
    if (header && !json_is_object(header.get()))
        return nullptr;
    return header;
}

}  // namespace

std::optional<VerifiedWebhook> webhook_verify(std::string_view body, std::string_view content_type,
                                              const KeySet &keys, WebhookRefusal &refusal) {
    auto refuse = [&refusal](int status, std::string reason, std::string kid = {}) {
        refusal = {status, std::move(reason), std::move(kid), false};
        return std::nullopt;
    };
    if (!content_type_is_jwt(content_type))
        return refuse(415, "Content-Type must be application/jwt");
    while (!body.empty() &&
           (body.back() == '\n' || body.back() == '\r' || body.back() == ' ' || body.back() == '\t'))
        body.remove_suffix(1);
    if (body.empty())
        return refuse(400, "empty body: a Kinde webhook is a JWT");
    if (body.size() > kMaxWebhookBytes)
        return refuse(413, "body is larger than 64 KiB");

    // Compact form: three non-empty base64url segments.
    std::size_t first_dot = body.find('.');
    std::size_t second_dot = first_dot == std::string_view::npos ? first_dot : body.find('.', first_dot + 1);
    if (second_dot == std::string_view::npos || first_dot == 0 || second_dot == first_dot + 1 ||
        second_dot + 1 == body.size())
        return refuse(400, "body is not a compact JWS (header.payload.signature)");
    if (!is_base64url(body.substr(0, first_dot)) ||
        !is_base64url(body.substr(first_dot + 1, second_dot - first_dot - 1)) ||
        !is_base64url(body.substr(second_dot + 1)))
        return refuse(400, "body is not a compact JWS: it holds characters outside base64url");

    Json header = jose_header(body.substr(0, first_dot));
    if (!header)
        return refuse(400, "JWS header is not a base64url-encoded JSON object");
    auto alg = json_string_member(header.get(), "alg");
    if (!alg || *alg != "RS256")
        return refuse(401, "JWS alg " + rules::quote_for_message(alg.value_or("(none)")) +
                               " is not accepted: Kinde signs webhooks with RS256");
    if (json_object_get(header.get(), "crit"))
        return refuse(401, "JWS header has \"crit\" extensions, which are not supported");
    auto kid = json_string_member(header.get(), "kid");
    if (!kid || kid->empty())
        return refuse(401, "JWS header has no kid: cannot choose a key");
    std::string kid_text(*kid);
    const cjose_jwk_t *key = keys.find(*kid);
    if (!key) {
        refuse(401, "unknown signing key " + rules::quote_for_message(*kid), kid_text);
        refusal.unknown_kid = true;
        return std::nullopt;
    }

    cjose_err error;
    Jws jws(cjose_jws_import(body.data(), body.size(), &error));
    if (!jws)
        return refuse(400, "body is not a valid JWS", kid_text);
    if (!cjose_jws_verify(jws.get(), key, &error))
        return refuse(401, "signature does not verify", kid_text);

    uint8_t *payload = nullptr;
    size_t payload_len = 0;
    if (!cjose_jws_get_plaintext(jws.get(), &payload, &payload_len, &error))
        return refuse(400, "JWS has no payload", kid_text);
    std::string reason;
    auto event = forwarded_event_from_payload(
        std::string_view(reinterpret_cast<const char *>(payload), payload_len), reason);
    if (!event)
        return refuse(400, reason, kid_text);

    return VerifiedWebhook{std::move(*event), std::move(kid_text)};
}

std::optional<unsigned> future_event_retry_after(const ForwardedEvent &event, std::int64_t now_unix_micros) {
    if (!rules::webhook_event_is_future(event.unix_micros, now_unix_micros))
        return std::nullopt;
    std::int64_t wait_micros = event.unix_micros - now_unix_micros - rules::kWebhookMaxFutureMicros;
    std::int64_t seconds = wait_micros / 1000000 + 1;
    return static_cast<unsigned>(std::min<std::int64_t>(seconds, 3600));
}

}  // namespace kinde_claims::shim
