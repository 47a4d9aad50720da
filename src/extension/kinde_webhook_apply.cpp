// kinde_webhook_apply(event jsonb) RETURNS jsonb: one verified Kinde webhook event, applied in
// the caller's transaction. The shim makes exactly one such call per webhook.
// - The event_id is recorded first; a second delivery of the same event changes nothing.
// - Kinde does not guarantee order, so each user's newest applied event time is kept (and
//   whether that event deleted the user): an older event is stale, and nothing after a
//   deletion brings the profile back.
// - user.created and user.updated make sure the profile exists; user.deleted removes it;
//   any other event type is recorded and ignored.
// - An event dated more than 5 minutes ahead of this server's clock is not applied and not
//   recorded ("future"): the shim answers so that Kinde delivers it again later.
// - Organizations (0.6.0): organization.created/updated make sure the organization exists,
//   organization.deleted removes it and its memberships; each organization's newest event and
//   deletion are kept like a user's. A user event's `organizations` list (when present) is the
//   user's memberships: one for each listed organization not deleted, none for any other;
//   user.deleted removes them all. A list of more than rules::kWebhookMaxOrganizations (1,000)
//   is refused. Claims come from the app, never from a webhook.
#include "webhook_rules.hpp"

#include <string_view>

#include "kinde_claims.hpp"

extern "C" {
#include "datatype/timestamp.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/timestamp.h"
}

namespace kinde_claims {
namespace {

using rules::WebhookAction;

using rules::WebhookOrganizationAction;

constexpr const char *kRecordEventSql =
    "INSERT INTO kinde_claims.webhook_events (event_id, kinde_id, type, event_time) "
    "VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING";

// Moves the user's state forward only for a newer event, never past a deletion; a deletion at
// the same instant as the last applied event still wins.
constexpr const char *kAdvanceUserSql =
    "INSERT INTO kinde_claims.webhook_users AS u (kinde_id, last_event_time, deleted) "
    "VALUES ($1, $2, $3) ON CONFLICT (kinde_id) DO UPDATE "
    "SET last_event_time = EXCLUDED.last_event_time, deleted = EXCLUDED.deleted, "
    "applied_at = pg_catalog.now() "
    "WHERE NOT u.deleted AND (u.last_event_time OPERATOR(pg_catalog.<) EXCLUDED.last_event_time "
    "OR (u.last_event_time OPERATOR(pg_catalog.=) EXCLUDED.last_event_time AND EXCLUDED.deleted))";

constexpr const char *kCreateProfileSql =
    "INSERT INTO kinde_claims.profiles (kinde_id) VALUES ($1) ON CONFLICT (kinde_id) DO NOTHING";

constexpr const char *kDeleteProfileSql =
    "DELETE FROM kinde_claims.profiles WHERE kinde_id OPERATOR(pg_catalog.=) $1";

constexpr const char *kAdvanceOrganizationSql =
    "INSERT INTO kinde_claims.webhook_organizations AS o (org_code, last_event_time, deleted) "
    "VALUES ($1, $2, $3) ON CONFLICT (org_code) DO UPDATE "
    "SET last_event_time = EXCLUDED.last_event_time, deleted = EXCLUDED.deleted, "
    "applied_at = pg_catalog.now() "
    "WHERE NOT o.deleted AND (o.last_event_time OPERATOR(pg_catalog.<) EXCLUDED.last_event_time "
    "OR (o.last_event_time OPERATOR(pg_catalog.=) EXCLUDED.last_event_time AND EXCLUDED.deleted))";

constexpr const char *kCreateOrganizationSql =
    "INSERT INTO kinde_claims.organizations (org_code) VALUES ($1) ON CONFLICT (org_code) DO NOTHING";

// The listed organizations Kinde has not deleted, in a fixed order (the lock order of the adds).
constexpr const char *kLiveOrganizationsSql =
    "SELECT DISTINCT c.code FROM pg_catalog.unnest($1::pg_catalog.text[]) AS c(code) "
    "WHERE NOT EXISTS (SELECT FROM kinde_claims.webhook_organizations w "
    "WHERE w.org_code OPERATOR(pg_catalog.=) c.code AND w.deleted) ORDER BY 1";

SPIPlanPtr advance_organization_plan;
SPIPlanPtr create_organization_plan;
SPIPlanPtr live_organizations_plan;
SPIPlanPtr record_event_plan;
SPIPlanPtr advance_user_plan;
SPIPlanPtr create_profile_plan;
SPIPlanPtr delete_profile_plan;

// The checked event as kinde_claims.webhook_events records it, and what it does to the profile.
// All in Postgres memory: nothing here needs a destructor.
struct WebhookEventRow {
    text *event_id;
    text *type;
    text *kinde_id;  // nullptr for an event that names no user
    TimestampTz event_time;
    WebhookAction action;
    WebhookOrganizationAction organization_action;
    text *org_code;           // organization.* events
    ArrayType *organizations; // a user event's list of org codes; nullptr when it has none
};

std::string_view string_view_of(const JsonbValue &value) {
    return {value.val.string.val, static_cast<std::size_t>(value.val.string.len)};
}

// The member `key` of an object container, or nullptr.
const JsonbValue *object_member(JsonbContainer *object, const char *key, JsonbValue *out) {
    return getKeyJsonValueFromContainer(object, key, static_cast<int>(strlen(key)), out);
}

JsonbContainer *object_container(const JsonbValue *value) {
    if (value == nullptr || value->type != jbvBinary || !JsonContainerIsObject(value->val.binary.data))
        return nullptr;
    return value->val.binary.data;
}

// A string member of the event by its description in rules (`object` may be nullptr: the
// member is then missing), refused in the same words as the shim's when it is missing, not a
// string, or refused by `check`.
std::string_view string_field(JsonbContainer *object, const rules::WebhookField &field,
                              std::optional<rules::Violation> (*check)(std::string_view), JsonbValue *out) {
    const JsonbValue *value = object ? object_member(object, field.key, out) : nullptr;
    if (value == nullptr || value->type != jbvString)
        throw pg::Error(rules::webhook_field_missing(field));
    if (auto violation = check(string_view_of(*value)))
        throw pg::Error(*violation);
    return string_view_of(*value);
}

TimestampTz timestamptz_from_unix_micros(std::int64_t unix_micros) {
    return unix_micros - (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
}

text *text_of(std::string_view value) {
    return cstring_to_text_with_len(value.data(), static_cast<int>(value.size()));
}

// data.user.organizations ([{"code": "org_...", "permissions": [...], "roles": [...]}], FACTS.md
// §8) as a text[] of its codes, each checked. The shim's cap on the list's length applies here
// too: a caller with EXECUTE need not come through the shim.
ArrayType *organization_codes(const JsonbValue *list) {
    if (list->type != jbvBinary || !JsonContainerIsArray(list->val.binary.data))
        throw pg::Error(rules::webhook_field_missing(rules::kWebhookUserOrganizations));
    JsonbContainer *array = list->val.binary.data;
    if (auto violation = rules::check_webhook_organization_count(JsonContainerSize(array)))
        throw pg::Error(*violation);
    int count = static_cast<int>(JsonContainerSize(array));
    auto *codes = static_cast<Datum *>(palloc(sizeof(Datum) * (count > 0 ? count : 1)));
    for (int i = 0; i < count; ++i) {
        JsonbValue *element = getIthJsonbValueFromContainer(array, static_cast<uint32>(i));
        JsonbValue code_value;
        std::string_view code = string_field(object_container(element), rules::kWebhookMemberCode,
                                             &rules::check_org_code, &code_value);
        codes[i] = PointerGetDatum(text_of(code));
    }
    return construct_array(codes, count, TEXTOID, -1, false, TYPALIGN_INT);
}

WebhookEventRow webhook_event_parse(Jsonb *event) {
    if (!JB_ROOT_IS_OBJECT(event))
        throw pg::Error(rules::webhook_event_not_object());
    JsonbContainer *root = &event->root;

    JsonbValue members[rules::kWebhookHeaderCount];
    std::string_view header[rules::kWebhookHeaderCount];
    for (std::size_t i = 0; i < rules::kWebhookHeaderCount; ++i) {
        const rules::WebhookHeaderField &field = rules::kWebhookHeaderFields[i];
        header[i] = string_field(root, field.field, field.check, &members[i]);
    }
    std::string_view type = header[rules::kWebhookType];
    WebhookEventRow parsed{};
    parsed.type = text_of(type);
    parsed.action = rules::webhook_action(type);
    parsed.event_id = text_of(header[rules::kWebhookEventId]);
    std::int64_t unix_micros = 0;
    rules::parse_webhook_timestamp(header[rules::kWebhookTimestamp], unix_micros);  // checked above
    parsed.event_time = timestamptz_from_unix_micros(unix_micros);

    // A database still before 0.6.0 (library updated, ALTER EXTENSION UPDATE not run) ignores
    // organizations, as that version did.
    bool organizations = organizations_installed();
    parsed.organization_action =
        organizations ? rules::webhook_organization_action(type) : WebhookOrganizationAction::none;
    JsonbValue data_value, organization_value, code_value;
    JsonbContainer *data = object_container(object_member(root, "data", &data_value));
    if (parsed.organization_action != WebhookOrganizationAction::none) {
        JsonbContainer *organization =
            data ? object_container(object_member(data, "organization", &organization_value)) : nullptr;
        parsed.org_code = text_of(
            string_field(organization, rules::kWebhookOrganizationCode, &rules::check_org_code, &code_value));
    }

    // A user event must name its user; another event may, and is kept with the id when it does.
    JsonbValue user_value, id_value;
    JsonbContainer *user = data ? object_container(object_member(data, "user", &user_value)) : nullptr;
    const JsonbValue *id = user ? object_member(user, rules::kWebhookUserId.key, &id_value) : nullptr;
    if (parsed.action != WebhookAction::ignore || (id != nullptr && id->type == jbvString))
        parsed.kinde_id =
            text_of(string_field(user, rules::kWebhookUserId, &rules::check_kinde_id, &id_value));
    JsonbValue list_value;
    const JsonbValue *list = user && parsed.action == WebhookAction::ensure_profile
                                 ? object_member(user, rules::kWebhookUserOrganizations.key, &list_value)
                                 : nullptr;
    // A null list is read as no list, as the shim reads it (memberships left alone).
    if (list != nullptr && list->type != jbvNull && organizations)
        parsed.organizations = organization_codes(list);
    return parsed;
}

// What happened, as kinde_webhook_apply reports it.
struct Outcome {
    const char *result;   // applied, duplicate, ignored, stale, future
    const char *profile;  // for an applied event: created, exists, deleted, absent
    const char *organization = nullptr;  // for an applied organization.* event: the same
};

// An organization.* event, recorded and not a duplicate: inside SPI.
Outcome organization_event_apply(const WebhookEventRow &event) {
    bool removes = event.organization_action == WebhookOrganizationAction::delete_organization;
    Oid types[3] = {TEXTOID, TIMESTAMPTZOID, BOOLOID};
    Datum values[3] = {PointerGetDatum(event.org_code), TimestampTzGetDatum(event.event_time), BoolGetDatum(removes)};
    SPIPlanPtr advance = saved_plan(&advance_organization_plan, kAdvanceOrganizationSql, 3, types);
    if (spi_execute(advance, values, nullptr, SPI_OK_INSERT, "webhook organization order") == 0)
        return {"stale", nullptr};
    Outcome outcome{"applied", nullptr};
    HistorySource *source = history_source_push("webhook", event.event_id);
    if (removes) {
        outcome.organization = organization_delete(event.org_code) ? "deleted" : "absent";
    } else {
        SPIPlanPtr create = saved_plan(&create_organization_plan, kCreateOrganizationSql, 1, types);
        outcome.organization =
            spi_execute(create, values, nullptr, SPI_OK_INSERT, "webhook organization create") > 0 ? "created" : "exists";
    }
    history_source_pop(source);
    return outcome;
}

// Only Postgres calls from here on, and no C++ object with a destructor is alive.
Outcome webhook_event_apply(const WebhookEventRow &event) {
    // Both are microseconds on Postgres's epoch: only their difference matters.
    if (rules::webhook_event_is_future(event.event_time, GetCurrentTimestamp()))
        return {"future", nullptr};
    spi_connect();

    Oid record_types[4] = {TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID};
    Datum record_values[4] = {PointerGetDatum(event.event_id), PointerGetDatum(event.kinde_id),
                              PointerGetDatum(event.type), TimestampTzGetDatum(event.event_time)};
    char record_nulls[4] = {' ', event.kinde_id ? ' ' : 'n', ' ', ' '};
    SPIPlanPtr record = saved_plan(&record_event_plan, kRecordEventSql, 4, record_types);
    if (spi_execute(record, record_values, record_nulls, SPI_OK_INSERT, "webhook event record") == 0) {
        SPI_finish();
        return {"duplicate", nullptr};
    }
    if (event.organization_action != WebhookOrganizationAction::none) {
        Outcome outcome = organization_event_apply(event);
        SPI_finish();
        return outcome;
    }
    if (event.action == WebhookAction::ignore) {
        SPI_finish();
        return {"ignored", nullptr};
    }

    bool deletes = event.action == WebhookAction::delete_profile;
    Oid user_types[3] = {TEXTOID, TIMESTAMPTZOID, BOOLOID};
    Datum user_values[3] = {PointerGetDatum(event.kinde_id), TimestampTzGetDatum(event.event_time),
                            BoolGetDatum(deletes)};
    SPIPlanPtr advance = saved_plan(&advance_user_plan, kAdvanceUserSql, 3, user_types);
    if (spi_execute(advance, user_values, nullptr, SPI_OK_INSERT, "webhook user advance") == 0) {
        SPI_finish();
        return {"stale", nullptr};
    }

    Oid profile_types[1] = {TEXTOID};
    Datum profile_values[1] = {PointerGetDatum(event.kinde_id)};
    Outcome outcome{"applied", nullptr};
    HistorySource *source = history_source_push("webhook", event.event_id);
    if (deletes) {
        SPIPlanPtr remove = saved_plan(&delete_profile_plan, kDeleteProfileSql, 1, profile_types);
        uint64 removed =
            spi_execute(remove, profile_values, nullptr, SPI_OK_DELETE, "webhook profile delete");
        outcome.profile = removed > 0 ? "deleted" : "absent";
        if (organizations_installed())
            memberships_retain(event.kinde_id, nullptr);
    } else {
        SPIPlanPtr create = saved_plan(&create_profile_plan, kCreateProfileSql, 1, profile_types);
        uint64 created =
            spi_execute(create, profile_values, nullptr, SPI_OK_INSERT, "webhook profile create");
        outcome.profile = created > 0 ? "created" : "exists";
        if (event.organizations != nullptr) {
            // Memberships go first, then come: a user's organizations in one fixed order.
            memberships_retain(event.kinde_id, event.organizations);
            Oid list_types[1] = {TEXTARRAYOID};
            Datum list_values[1] = {PointerGetDatum(event.organizations)};
            SPIPlanPtr live = saved_plan(&live_organizations_plan, kLiveOrganizationsSql, 1, list_types);
            spi_execute(live, list_values, nullptr, SPI_OK_SELECT, "webhook live organizations");
            SPITupleTable *codes = SPI_tuptable;
            uint64 count = SPI_processed;
            for (uint64 i = 0; i < count; ++i) {
                bool isnull;
                Datum code = SPI_getbinval(codes->vals[i], codes->tupdesc, 1, &isnull);
                membership_ensure(event.kinde_id, DatumGetTextPP(code));
            }
        }
    }
    history_source_pop(source);
    SPI_finish();
    return outcome;
}

// {"result": ..., "kinde_id": ..., "event_id": ..., "profile": ...}
Jsonb *outcome_json(const WebhookEventRow &event, const Outcome &outcome) {
    StringInfoData json;
    initStringInfo(&json);
    appendStringInfo(&json, "{\"result\": \"%s\", \"kinde_id\": ", outcome.result);
    if (event.kinde_id) {
        char *kinde_id = text_to_cstring(event.kinde_id);
        escape_json(&json, kinde_id);
    } else {
        appendStringInfoString(&json, "null");
    }
    appendStringInfoString(&json, ", \"event_id\": ");
    escape_json(&json, text_to_cstring(event.event_id));
    if (outcome.profile)
        appendStringInfo(&json, ", \"profile\": \"%s\"", outcome.profile);
    if (event.org_code) {
        appendStringInfoString(&json, ", \"org_code\": ");
        escape_json(&json, text_to_cstring(event.org_code));
    }
    if (outcome.organization)
        appendStringInfo(&json, ", \"organization\": \"%s\"", outcome.organization);
    appendStringInfoChar(&json, '}');
    return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(json.data)));
}

}  // namespace
}  // namespace kinde_claims

KC_FUNCTION(kinde_webhook_apply) {
    if (PG_ARGISNULL(0))
        throw kinde_claims::pg::Error(ERRCODE_NULL_VALUE_NOT_ALLOWED, "webhook event must not be null");
    kinde_claims::WebhookEventRow event = kinde_claims::webhook_event_parse(PG_GETARG_JSONB_P(0));
    kinde_claims::Outcome outcome = kinde_claims::webhook_event_apply(event);
    PG_RETURN_JSONB_P(kinde_claims::outcome_json(event, outcome));
}
