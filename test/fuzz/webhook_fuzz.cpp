// libFuzzer target over everything the shim reads from the network before it trusts it: the
// webhook body handler, the payload parser behind it (the fuzzer cannot forge a signature, so
// the parser is also fed directly; its seeds include Kinde's organization shapes), the JWKS parser
// and the timestamp rule. The first byte picks which. Besides crashes and sanitizer reports, it
// traps when a result breaks its contract.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/json.hpp"
#include "serve/webhook_handler.hpp"
#include "test_keys.hpp"

namespace {

using namespace kinde_claims;

const shim::KeySet &fuzz_keys() {
    static const shim::KeySet keys = [] {
        std::string error;
        auto kinde = shim::KeySet::from_jwks(test::fixture("kinde-webhooks/jwks.json", false), error);
        if (!kinde)
            __builtin_trap();
        return std::move(*kinde);
    }();
    return keys;
}

void check(bool holds) {
    if (!holds)
        __builtin_trap();
}

// An accepted event obeys the rules, and its RPC body parses back to the same event.
void check_event(const shim::ForwardedEvent &event) {
    check(!rules::check_webhook_event_type(event.type));
    check(!rules::check_webhook_event_id(event.event_id));
    check(event.kinde_id.empty() || !rules::check_kinde_id(event.kinde_id));
    check(event.action == rules::WebhookAction::ignore || !event.kinde_id.empty());
    // Organizations: the code only for organization.*, the list only for user.created/updated.
    check(event.organization_action == rules::webhook_organization_action(event.type));
    check(event.organization_action != rules::WebhookOrganizationAction::none || event.org_code.empty());
    check(!event.organizations || event.action == rules::WebhookAction::ensure_profile);
    check(!event.organizations || event.organizations->size() <= rules::kWebhookMaxOrganizations);
    shim::Json body = shim::json_parse(event.rpc_body());
    check(body != nullptr);
    // Nothing but the forwarded fields: {"data": {"user": {"id", "organizations": [{"code"}]},
    // "organization": {"code"}}}.
    const json_t *data = json_object_get(json_object_get(body.get(), "event"), "data");
    const json_t *user = json_object_get(data, "user");
    const json_t *organization = json_object_get(data, "organization");
    const json_t *list = json_object_get(user, "organizations");
    check(json_object_size(data) == (user ? 1u : 0u) + (organization ? 1u : 0u));
    check(json_object_size(user) == (user ? 1u : 0u) + (list ? 1u : 0u));
    check(json_object_size(organization) == (organization ? 1u : 0u));
    std::size_t index;
    const json_t *element;
    json_array_foreach(list, index, element) {
        check(json_object_size(element) == 1);
    }
    std::string error;
    auto again =
        shim::forwarded_event_from_payload(shim::json_text(json_object_get(body.get(), "event")), error);
    check(again && again->type == event.type && again->event_id == event.event_id &&
          again->timestamp == event.timestamp && again->kinde_id == event.kinde_id &&
          again->organization_action == event.organization_action && again->org_code == event.org_code &&
          again->organizations == event.organizations);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0)
        return 0;
    std::string_view input(reinterpret_cast<const char *>(data) + 1, size - 1);
    switch (data[0] % 4) {
    case 0: {
        shim::WebhookRefusal refusal;
        auto verified = shim::webhook_verify(input, "application/jwt", fuzz_keys(), refusal);
        if (verified) {
            check_event(verified->event);
        } else {
            check(refusal.status == 400 || refusal.status == 401 || refusal.status == 413);
            check(!refusal.reason.empty());
            check(!refusal.unknown_kid || refusal.status == 401);
        }
        break;
    }
    case 1: {
        std::string error;
        auto event = shim::forwarded_event_from_payload(input, error);
        check(event.has_value() != !error.empty());
        if (event)
            check_event(*event);
        break;
    }
    case 2: {
        std::string error;
        auto keys = shim::KeySet::from_jwks(input, error);
        check(keys.has_value() ? keys->size() > 0 : !error.empty());
        break;
    }
    case 3: {
        std::int64_t micros = 0;
        auto violation = rules::parse_webhook_timestamp(input, micros);
        // Years 0001 to 9999 with offsets of at most 18 hours.
        check(violation || (micros >= -62135661600000000 && micros <= 253402365599999999));
        break;
    }
    }
    return 0;
}
