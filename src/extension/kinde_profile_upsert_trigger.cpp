// kinde_profile_upsert_trigger(): an AFTER ROW trigger an app attaches to its own tables so that
// token claims follow the app's rows in the same transaction:
//   CREATE TRIGGER purchases_claims AFTER INSERT OR UPDATE OR DELETE ON app.purchases FOR EACH ROW
//     EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id', 'lifetime_subscriber',
//     'plan=plan_code');
// The arguments are parsed once per trigger and kept until the relcache invalidates the table.
// Every write goes through kinde_claims.profiles, so its row triggers validate and notify.
// kinde_organization_upsert_trigger() (0.6.0) is the same for the app's organization-keyed
// tables: its first argument is the org-code column, and it writes kinde_claims.organizations
// (whose row trigger checks the rules and the merged size, and records each member's history).
// Both also run as a statement-level BEFORE TRUNCATE trigger with the same arguments: the rows
// TRUNCATE removes lose their claims as a DELETE would take them (0.8.0). This file also holds
// kinde_claims_projection_check() and kinde_claims_projection_repair() (0.8.0), which compare a
// table's rows with the claims they project, through the same parsed arguments and statements.
#include "kinde_claims.hpp"

#include <cstring>
#include <string>
#include <string_view>

extern "C" {
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type_d.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/snapmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
}

namespace kinde_claims {
namespace {

constexpr const char *kProfileTriggerName = "kinde_profile_upsert_trigger()";
constexpr const char *kOrganizationTriggerName = "kinde_organization_upsert_trigger()";

// Which table a trigger keeps in step: a user's profile or an organization.
enum class Target { profile, organization };
constexpr const char *kProfileArgumentsHint =
    "The arguments are the user-id column, then one per claim: claim=column, or a column named "
    "like its claim.";
constexpr const char *kOrganizationArgumentsHint =
    "The arguments are the org-code column, then one per claim: claim=column, or a column named "
    "like its claim.";
constexpr const char *kSupportedTypes =
    "A claim column must be boolean, text, varchar, smallint, integer, bigint, numeric, jsonb or "
    "timestamptz, or a domain over one of them.";

// How a column's value becomes a JSON value.
enum class ClaimType { boolean, text, int2, int4, int8, numeric, jsonb, timestamptz };

struct ClaimColumn {
    const char *claim;
    const char *column;
    AttrNumber attnum;
    ClaimType type;
    bool byval;  // of the column's type, to compare an UPDATE's old and new values
    int16 typlen;
};

// One trigger's arguments, resolved against its table. Lives in its own memory context.
struct UpsertTriggerArgs {
    MemoryContext context;
    Target target;
    AttrNumber key;          // the user-id column (profile) or the org-code column (organization)
    const char *key_column;  // its name
    const char *prefix;              // trigger_prefix(), for errors about a row's values
    AttrNumber lifetime_subscriber;  // InvalidAttrNumber when this trigger does not map it
    int nclaims;
    ClaimColumn *claims;
    Datum claim_keys;  // text[] of every claim name above: what this trigger owns in `claims`
};

struct UpsertTriggerEntry {
    Oid trigger;  // hash key
    Oid relation;
    bool valid;
    UpsertTriggerArgs *args;
};

HTAB *upsert_triggers;

// "trigger "purchases_claims" on app.purchases: ", the start of every message about a trigger.
// palloc'd, so it is built before any C++ string of the error exists.
char *trigger_prefix(TriggerData *data) {
    Relation rel = data->tg_relation;
    const char *table = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
                                                   RelationGetRelationName(rel));
    return psprintf("trigger \"%s\" on %s: ", data->tg_trigger->tgname, table);
}

// Raises `message` (composed with psprintf by the caller) prefixed with the trigger and table.
[[noreturn]] void trigger_error(TriggerData *data, int sqlstate, const char *message,
                                const char *detail = nullptr, const char *hint = nullptr) {
    char *prefixed = psprintf("%s%s", trigger_prefix(data), message);
    throw pg::Error(sqlstate, prefixed, detail ? detail : "", hint ? hint : "");
}

// A rules::Violation about a trigger's argument or row, prefixed like trigger_error.
[[noreturn]] void trigger_violation(const char *prefix, const rules::Violation &violation,
                                    const char *suffix = "") {
    throw pg::Error(pg::Error::sqlstate_from_text(violation.sqlstate), prefix + violation.message + suffix,
                    violation.detail, violation.hint);
}

bool claim_type_of(Oid type, ClaimType *claim_type) {
    switch (getBaseType(type)) {
    case BOOLOID:
        *claim_type = ClaimType::boolean;
        return true;
    case TEXTOID:
    case VARCHAROID:
        *claim_type = ClaimType::text;
        return true;
    case INT2OID:
        *claim_type = ClaimType::int2;
        return true;
    case INT4OID:
        *claim_type = ClaimType::int4;
        return true;
    case INT8OID:
        *claim_type = ClaimType::int8;
        return true;
    case NUMERICOID:
        *claim_type = ClaimType::numeric;
        return true;
    case JSONBOID:
        *claim_type = ClaimType::jsonb;
        return true;
    case TIMESTAMPTZOID:
        *claim_type = ClaimType::timestamptz;
        return true;
    default:
        return false;
    }
}

// The column named exactly `name` (no case folding: trigger arguments are plain strings).
Form_pg_attribute find_column(TriggerData *data, const char *name, const char *hint) {
    TupleDesc desc = RelationGetDescr(data->tg_relation);
    for (int i = 0; i < desc->natts; ++i) {
        Form_pg_attribute attribute = TupleDescAttr(desc, i);
        if (!attribute->attisdropped && strcmp(NameStr(attribute->attname), name) == 0)
            return attribute;
    }
    trigger_error(data, ERRCODE_UNDEFINED_COLUMN, psprintf("column \"%s\" does not exist", name), nullptr,
                  hint);
}

char *context_strndup(MemoryContext context, const char *text, std::size_t length) {
    auto *copy = static_cast<char *>(MemoryContextAlloc(context, length + 1));
    memcpy(copy, text, length);
    copy[length] = '\0';
    return copy;
}

// Parses and checks the trigger's arguments. Everything is allocated in a new memory context
// under the current one, so a refused trigger leaves nothing behind.
UpsertTriggerArgs *upsert_trigger_parse(TriggerData *data, Target target) {
    const Trigger *trigger = data->tg_trigger;
    bool organization = target == Target::organization;
    const char *key_name = organization ? "org-code" : "user-id";
    const char *hint = organization ? kOrganizationArgumentsHint : kProfileArgumentsHint;
    if (trigger->tgnargs < 2)
        trigger_error(data, ERRCODE_INVALID_PARAMETER_VALUE,
                      psprintf("%s needs the %s column and at least one claim",
                               organization ? kOrganizationTriggerName : kProfileTriggerName, key_name),
                      nullptr, hint);

    MemoryContext context = AllocSetContextCreate(
        CurrentMemoryContext, "kinde_profile_upsert_trigger arguments", ALLOCSET_SMALL_SIZES);
    auto *args = static_cast<UpsertTriggerArgs *>(MemoryContextAllocZero(context, sizeof(UpsertTriggerArgs)));
    args->context = context;
    args->target = target;
    args->claims =
        static_cast<ClaimColumn *>(MemoryContextAllocZero(context, sizeof(ClaimColumn) * trigger->tgnargs));

    Form_pg_attribute id_column = find_column(data, trigger->tgargs[0], hint);
    Oid id_type = getBaseType(id_column->atttypid);
    if (id_type != TEXTOID && id_type != VARCHAROID)
        trigger_error(data, ERRCODE_DATATYPE_MISMATCH,
                      psprintf("%s column \"%s\" has type %s, not text", key_name, trigger->tgargs[0],
                               format_type_be(id_column->atttypid)),
                      organization ? "Kinde org codes are text: the org-code column must be text or varchar."
                                   : "Kinde user ids are text: the user-id column must be text or varchar.",
                      hint);
    args->key = id_column->attnum;
    args->key_column = MemoryContextStrdup(context, trigger->tgargs[0]);

    for (int i = 1; i < trigger->tgnargs; ++i) {
        const char *argument = trigger->tgargs[i];
        const char *equals = strchr(argument, '=');
        const char *claim = equals ? context_strndup(context, argument, equals - argument) : argument;
        const char *column = equals ? equals + 1 : argument;
        if (claim[0] == '\0' || column[0] == '\0' || strchr(column, '='))
            trigger_error(data, ERRCODE_INVALID_PARAMETER_VALUE,
                          psprintf("argument \"%s\" is not a claim mapping", argument),
                          "Each argument after the first is claim=column, or a column named like its claim.",
                          hint);

        bool is_lifetime_subscriber = rules::kLifetimeSubscriber == claim;
        if (!is_lifetime_subscriber && rules::check_claim_name(claim)) {
            char *prefix = trigger_prefix(data);
            trigger_violation(prefix, *rules::check_claim_name(claim));
        }
        bool mapped_twice = is_lifetime_subscriber && args->lifetime_subscriber != InvalidAttrNumber;
        for (int j = 0; j < args->nclaims && !mapped_twice; ++j)
            mapped_twice = strcmp(args->claims[j].claim, claim) == 0;
        if (mapped_twice)
            trigger_error(data, ERRCODE_INVALID_PARAMETER_VALUE,
                          psprintf("claim \"%s\" is mapped twice", claim), nullptr, hint);

        Form_pg_attribute attribute = find_column(data, column, hint);
        ClaimType type;
        if (!claim_type_of(attribute->atttypid, &type))
            trigger_error(data, ERRCODE_DATATYPE_MISMATCH,
                          psprintf("column \"%s\" has type %s, which no claim can carry", column,
                                   format_type_be(attribute->atttypid)),
                          kSupportedTypes);
        if (is_lifetime_subscriber) {
            if (organization)
                trigger_error(data, ERRCODE_INVALID_PARAMETER_VALUE,
                              psprintf("lifetime_subscriber cannot come from an organization's table"),
                              "lifetime_subscriber is always the user's own.", hint);
            if (type != ClaimType::boolean)
                trigger_error(
                    data, ERRCODE_DATATYPE_MISMATCH,
                    psprintf("lifetime_subscriber must come from a boolean column, not \"%s\" of type %s",
                             column, format_type_be(attribute->atttypid)));
            args->lifetime_subscriber = attribute->attnum;
            continue;
        }
        ClaimColumn &mapped = args->claims[args->nclaims++];
        mapped.claim = MemoryContextStrdup(context, claim);
        mapped.column = MemoryContextStrdup(context, column);
        mapped.attnum = attribute->attnum;
        mapped.type = type;
        mapped.byval = attribute->attbyval;
        mapped.typlen = attribute->attlen;
    }
    args->prefix = MemoryContextStrdup(context, trigger_prefix(data));

    MemoryContext caller_context = MemoryContextSwitchTo(context);
    Datum *keys = static_cast<Datum *>(palloc(sizeof(Datum) * (args->nclaims + 1)));
    for (int i = 0; i < args->nclaims; ++i)
        keys[i] = CStringGetTextDatum(args->claims[i].claim);
    args->claim_keys =
        PointerGetDatum(construct_array(keys, args->nclaims, TEXTOID, -1, false, TYPALIGN_INT));
    MemoryContextSwitchTo(caller_context);
    return args;
}

void upsert_trigger_forget(Datum, Oid relid) {
    if (!upsert_triggers)
        return;
    HASH_SEQ_STATUS status;
    hash_seq_init(&status, upsert_triggers);
    while (auto *entry = static_cast<UpsertTriggerEntry *>(hash_seq_search(&status)))
        if (relid == InvalidOid || entry->relation == relid)
            entry->valid = false;
}

// The parsed arguments of the trigger being fired, parsed on its first row after any change to
// its table. Stale entries are only marked by the callback and freed here, never mid-use.
const UpsertTriggerArgs &upsert_trigger_args_for(TriggerData *data, Target target) {
    if (!upsert_triggers) {
        HASHCTL control{};
        control.keysize = sizeof(Oid);
        control.entrysize = sizeof(UpsertTriggerEntry);
        upsert_triggers =
            hash_create("kinde_profile_upsert_trigger arguments cache", 16, &control, HASH_ELEM | HASH_BLOBS);
    }
    Oid trigger = data->tg_trigger->tgoid;
    bool found;
    auto *entry =
        static_cast<UpsertTriggerEntry *>(hash_search(upsert_triggers, &trigger, HASH_ENTER, &found));
    if (!found) {
        // Set before parsing: a parse error leaves the entry behind, and upsert_trigger_forget reads it.
        entry->relation = RelationGetRelid(data->tg_relation);
        entry->valid = false;
        entry->args = nullptr;
    }
    if (entry->valid)
        return *entry->args;
    if (entry->args) {
        MemoryContextDelete(entry->args->context);
        entry->args = nullptr;
    }
    UpsertTriggerArgs *fresh = upsert_trigger_parse(data, target);
    MemoryContextSetParent(fresh->context, CacheMemoryContext);
    entry->relation = RelationGetRelid(data->tg_relation);
    entry->args = fresh;
    entry->valid = true;
    return *fresh;
}

// ISO 8601 in UTC, whatever the session's DateStyle and TimeZone: 2024-05-01T12:34:56Z, with a
// fraction of up to six digits (trailing zeros dropped) when the time has one.
char *iso8601_utc(TriggerData *data, const ClaimColumn &column, TimestampTz value) {
    pg_tm tm;
    fsec_t fsec;
    if (TIMESTAMP_NOT_FINITE(value) || timestamp2tm(value, nullptr, &tm, &fsec, nullptr, nullptr) != 0 ||
        tm.tm_year < 1 || tm.tm_year > 9999)
        trigger_error(data, ERRCODE_INVALID_PARAMETER_VALUE,
                      psprintf("column \"%s\" holds a time outside the years 0001 to 9999", column.column),
                      "Claims carry times as ISO 8601 strings such as 2024-05-01T12:34:56Z.");
    char text[40];
    int length = snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year, tm.tm_mon,
                          tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (fsec != 0) {
        length += snprintf(text + length, sizeof text - length, ".%06d", static_cast<int>(fsec));
        while (text[length - 1] == '0')
            --length;
    }
    text[length++] = 'Z';
    text[length] = '\0';
    return pstrdup(text);
}

// The JSON value a non-null column value becomes.
JsonbValue claim_value(TriggerData *data, const ClaimColumn &column, Datum value) {
    JsonbValue json;
    switch (column.type) {
    case ClaimType::boolean:
        json.type = jbvBool;
        json.val.boolean = DatumGetBool(value);
        break;
    case ClaimType::text: {
        text *string = DatumGetTextPP(value);
        json.type = jbvString;
        json.val.string.val = VARDATA_ANY(string);
        json.val.string.len = static_cast<int>(VARSIZE_ANY_EXHDR(string));
        break;
    }
    case ClaimType::int2:
        json.type = jbvNumeric;
        json.val.numeric = int64_to_numeric(DatumGetInt16(value));
        break;
    case ClaimType::int4:
        json.type = jbvNumeric;
        json.val.numeric = int64_to_numeric(DatumGetInt32(value));
        break;
    case ClaimType::int8:
        json.type = jbvNumeric;
        json.val.numeric = int64_to_numeric(DatumGetInt64(value));
        break;
    case ClaimType::numeric: {
        Numeric number = DatumGetNumeric(value);
        if (numeric_is_nan(number) || numeric_is_inf(number))
            trigger_error(data, ERRCODE_INVALID_PARAMETER_VALUE,
                          psprintf("column \"%s\" holds %s, which JSON cannot carry", column.column,
                                   numeric_is_nan(number) ? "NaN" : "an infinity"));
        json.type = jbvNumeric;
        json.val.numeric = number;
        break;
    }
    case ClaimType::jsonb: {
        Jsonb *document = DatumGetJsonbP(value);
        json.type = jbvBinary;
        json.val.binary.data = &document->root;
        json.val.binary.len = static_cast<int>(VARSIZE(document) - VARHDRSZ);
        break;
    }
    case ClaimType::timestamptz: {
        char *iso = iso8601_utc(data, column, DatumGetTimestampTz(value));
        json.type = jbvString;
        json.val.string.val = iso;
        json.val.string.len = static_cast<int>(strlen(iso));
        break;
    }
    }
    return json;
}

// Whether a claim's value must pass the claim rules: always, except when an UPDATE keeps both the
// user and the column's value (a profile stored before a rule existed is served as before).
bool claim_value_is_new(TupleDesc desc, const ClaimColumn &column, HeapTuple old_row, Datum value) {
    if (old_row == nullptr)
        return true;
    bool old_isnull;
    Datum old_value = heap_getattr(old_row, column.attnum, desc, &old_isnull);
    return old_isnull || !datumIsEqual(old_value, value, column.byval, column.typlen);
}

// Types whose values can hold a number a double would change (FACTS.md §7); smallint and
// integer always fit.
bool may_hold_unsafe_number(ClaimType type) {
    return type == ClaimType::int8 || type == ClaimType::numeric || type == ClaimType::jsonb;
}

// The mapped claims of a row as one object; a NULL column leaves its claim out. `old_row` is the
// row an UPDATE replaces for the same user, else nullptr.
Jsonb *row_claims(TriggerData *data, const UpsertTriggerArgs &args, HeapTuple row, HeapTuple old_row) {
    TupleDesc desc = RelationGetDescr(data->tg_relation);
    JsonbParseState *state = nullptr;
    JsonbValue *result = pushJsonbValue(&state, WJB_BEGIN_OBJECT, nullptr);
    for (int i = 0; i < args.nclaims; ++i) {
        const ClaimColumn &column = args.claims[i];
        bool isnull;
        Datum value = heap_getattr(row, column.attnum, desc, &isnull);
        if (isnull)
            continue;
        JsonbValue key;
        key.type = jbvString;
        key.val.string.val = const_cast<char *>(column.claim);
        key.val.string.len = static_cast<int>(strlen(column.claim));
        JsonbValue json = claim_value(data, column, value);
        if (claim_value_is_new(desc, column, old_row, value))
            claim_value_check(column.claim, json, may_hold_unsafe_number(column.type), args.prefix,
                              column.column);
        pushJsonbValue(&state, WJB_KEY, &key);
        pushJsonbValue(&state, WJB_VALUE, &json);
    }
    result = pushJsonbValue(&state, WJB_END_OBJECT, nullptr);
    return JsonbValueToJsonb(result);
}

// The row's key, a user id or an org code; nullptr when the column is NULL (the row belongs to
// no user or organization).
text *row_key(TriggerData *data, const UpsertTriggerArgs &args, HeapTuple row) {
    bool isnull;
    Datum value = heap_getattr(row, args.key, RelationGetDescr(data->tg_relation), &isnull);
    return isnull ? nullptr : DatumGetTextPP(value);
}

bool kinde_id_valid(text *kinde_id) {
    return !rules::check_kinde_id(text_view(kinde_id));
}

// The row's key under its target's rule: a Kinde user id, or an org code.
bool key_valid(const UpsertTriggerArgs &args, text *key) {
    return args.target == Target::organization ? rules::is_valid_org_code(text_view(key)) : kinde_id_valid(key);
}

// Sets this trigger's claims on a user's profile, creating it if needed. Only the keys this
// trigger maps are replaced, on the latest row version, so concurrent writers of other keys
// keep theirs. A profile that would not change is not written.
constexpr const char *kUpsertSql =
    "INSERT INTO kinde_claims.profiles AS p (kinde_id, lifetime_subscriber, claims) "
    "VALUES ($1, COALESCE($2, false), $4) "
    "ON CONFLICT (kinde_id) DO UPDATE SET "
    "lifetime_subscriber = COALESCE($2, p.lifetime_subscriber), "
    "claims = pg_catalog.jsonb_concat(pg_catalog.jsonb_delete(p.claims, VARIADIC $3), $4) "
    "WHERE p.lifetime_subscriber OPERATOR(pg_catalog.<>) $2 "
    "OR p.claims OPERATOR(pg_catalog.<>) pg_catalog.jsonb_concat(pg_catalog.jsonb_delete(p.claims, VARIADIC "
    "$3), $4)";

// Takes this trigger's claims off a user's profile (and lifetime_subscriber when $2), if any.
constexpr const char *kRemoveSql =
    "UPDATE kinde_claims.profiles AS p SET "
    "lifetime_subscriber = p.lifetime_subscriber AND NOT $2, "
    "claims = pg_catalog.jsonb_delete(p.claims, VARIADIC $3) "
    "WHERE p.kinde_id OPERATOR(pg_catalog.=) $1 "
    "AND (p.lifetime_subscriber AND $2 OR pg_catalog.jsonb_exists_any(p.claims, $3))";

// The same for an organization's claims ($2, lifetime_subscriber, is the user's: not used).
constexpr const char *kOrganizationUpsertSql =
    "INSERT INTO kinde_claims.organizations AS o (org_code, claims) VALUES ($1, $4) "
    "ON CONFLICT (org_code) DO UPDATE SET "
    "claims = pg_catalog.jsonb_concat(pg_catalog.jsonb_delete(o.claims, VARIADIC $3), $4), "
    "updated_at = pg_catalog.now() "
    "WHERE o.claims OPERATOR(pg_catalog.<>) "
    "pg_catalog.jsonb_concat(pg_catalog.jsonb_delete(o.claims, VARIADIC $3), $4)";
constexpr const char *kOrganizationRemoveSql =
    "UPDATE kinde_claims.organizations AS o SET claims = pg_catalog.jsonb_delete(o.claims, VARIADIC $3), "
    "updated_at = pg_catalog.now() "
    "WHERE o.org_code OPERATOR(pg_catalog.=) $1 AND pg_catalog.jsonb_exists_any(o.claims, $3)";

SPIPlanPtr upsert_plan;
SPIPlanPtr remove_plan;
SPIPlanPtr organization_upsert_plan;
SPIPlanPtr organization_remove_plan;

// Takes this trigger's claims off the key's profile or organization (target_remove_claims) or
// sets them (target_set_claims), with the statements above. Call inside SPI.
void target_remove_claims(const UpsertTriggerArgs &args, text *key) {
    Oid types[3] = {TEXTOID, BOOLOID, TEXTARRAYOID};
    SPIPlanPtr plan = args.target == Target::organization
                          ? saved_plan(&organization_remove_plan, kOrganizationRemoveSql, 3, types)
                          : saved_plan(&remove_plan, kRemoveSql, 3, types);
    Datum values[3] = {PointerGetDatum(key), BoolGetDatum(args.lifetime_subscriber != InvalidAttrNumber),
                       args.claim_keys};
    spi_execute(plan, values, nullptr, SPI_OK_UPDATE, "claims removal");
}

void target_set_claims(const UpsertTriggerArgs &args, text *key, NullableDatum lifetime_subscriber,
                       Jsonb *claims) {
    Oid types[4] = {TEXTOID, BOOLOID, TEXTARRAYOID, JSONBOID};
    SPIPlanPtr plan = args.target == Target::organization
                          ? saved_plan(&organization_upsert_plan, kOrganizationUpsertSql, 4, types)
                          : saved_plan(&upsert_plan, kUpsertSql, 4, types);
    Datum values[4] = {PointerGetDatum(key), lifetime_subscriber.value, args.claim_keys,
                       JsonbPGetDatum(claims)};
    char nulls[4] = {' ', lifetime_subscriber.isnull ? 'n' : ' ', ' ', ' '};
    spi_execute(plan, values, nulls, SPI_OK_INSERT,
                args.target == Target::organization ? "organization claims upsert" : "profile claims upsert");
}

// Under session_replication_role = replica, Postgres fires only triggers enabled ALWAYS: a
// projection trigger that the owner enabled ALWAYS (so that a logical replication subscriber's
// apply worker projects the rows it applies) would write profiles and organizations whose own
// triggers, the rules, the stored tokens and the history, do not fire. Its writes run with
// session_replication_role = origin, like any other write; restored at the end (or by the abort).
// Returns the GUC nest level to pass to writes_as_origin_end, or -1 when nothing was changed.
int writes_as_origin() {
    if (SessionReplicationRole != SESSION_REPLICATION_ROLE_REPLICA)
        return -1;
    int level = NewGUCNestLevel();
    (void)set_config_option("session_replication_role", "origin", superuser() ? PGC_SUSET : PGC_USERSET,
                            PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
    return level;
}

void writes_as_origin_end(int level) {
    if (level >= 0)
        AtEOXact_GUC(true, level);
}

void upsert_trigger_apply(TriggerData *data, const UpsertTriggerArgs &args) {
    HeapTuple old_row = nullptr;
    HeapTuple new_row = nullptr;
    if (TRIGGER_FIRED_BY_INSERT(data->tg_event)) {
        new_row = data->tg_trigtuple;
    } else if (TRIGGER_FIRED_BY_DELETE(data->tg_event)) {
        old_row = data->tg_trigtuple;
    } else {
        old_row = data->tg_trigtuple;
        new_row = data->tg_newtuple;
    }

    text *new_id = new_row ? row_key(data, args, new_row) : nullptr;
    NullableDatum lifetime_subscriber{0, true};
    Jsonb *claims = nullptr;
    if (new_id) {
        if (!key_valid(args, new_id)) {
            char *prefix = trigger_prefix(data);
            char *suffix = psprintf(" in column \"%s\"", args.key_column);
            trigger_violation(prefix,
                              args.target == Target::organization ? *rules::check_org_code(text_view(new_id))
                                                                  : *rules::check_kinde_id(text_view(new_id)),
                              suffix);
        }
        if (args.lifetime_subscriber != InvalidAttrNumber) {
            bool isnull;
            Datum value =
                heap_getattr(new_row, args.lifetime_subscriber, RelationGetDescr(data->tg_relation), &isnull);
            lifetime_subscriber = {BoolGetDatum(!isnull && DatumGetBool(value)), false};
        }
        text *same_user_id = old_row ? row_key(data, args, old_row) : nullptr;
        bool same_user = same_user_id && text_equal(same_user_id, new_id);
        claims = row_claims(data, args, new_row, same_user ? old_row : nullptr);
    }
    // An old id that is not a valid Kinde user id can have no profile to take claims from.
    text *old_id = old_row ? row_key(data, args, old_row) : nullptr;
    bool remove_old = old_id && key_valid(args, old_id) && !(new_id && text_equal(old_id, new_id));

    if (!remove_old && !new_id)
        return;
    int guc_level = writes_as_origin();
    spi_connect();
    HistorySource *source = history_source_push("trigger", nullptr, RelationGetRelid(data->tg_relation));
    if (remove_old)
        target_remove_claims(args, old_id);
    if (new_id)
        target_set_claims(args, new_id, lifetime_subscriber, claims);
    history_source_pop(source);
    SPI_finish();
    writes_as_origin_end(guc_level);
}

// TRUNCATE (a statement-level BEFORE TRUNCATE trigger with the same function and arguments):
// the rows are still there, so every key they hold loses this trigger's claims, as if each row
// were deleted, through the same write path (the profiles' and organizations' row triggers: the
// rules, the merged tokens, one history entry per change with source "truncate").
constexpr const char *kTruncateRemoveSql =
    "UPDATE kinde_claims.profiles AS p SET "
    "lifetime_subscriber = p.lifetime_subscriber AND NOT $2, "
    "claims = pg_catalog.jsonb_delete(p.claims, VARIADIC $3) "
    "WHERE p.kinde_id OPERATOR(pg_catalog.=) ANY ($1) "
    "AND (p.lifetime_subscriber AND $2 OR pg_catalog.jsonb_exists_any(p.claims, $3))";
constexpr const char *kOrganizationTruncateRemoveSql =
    "UPDATE kinde_claims.organizations AS o SET claims = pg_catalog.jsonb_delete(o.claims, VARIADIC $3), "
    "updated_at = pg_catalog.now() "
    "WHERE o.org_code OPERATOR(pg_catalog.=) ANY ($1) AND pg_catalog.jsonb_exists_any(o.claims, $3)";
constexpr int kTruncateBatch = 1000;

SPIPlanPtr truncate_remove_plan;
SPIPlanPtr organization_truncate_remove_plan;

// Takes the claims off a batch of keys; the batch's array is built in `batch_context`, which the
// caller resets after each batch.
void truncate_remove_batch(const UpsertTriggerArgs &args, Datum *keys, int count, MemoryContext batch_context) {
    if (count == 0)
        return;
    MemoryContext caller_context = MemoryContextSwitchTo(batch_context);
    Datum key_array = PointerGetDatum(construct_array(keys, count, TEXTOID, -1, false, TYPALIGN_INT));
    MemoryContextSwitchTo(caller_context);
    Oid types[3] = {TEXTARRAYOID, BOOLOID, TEXTARRAYOID};
    SPIPlanPtr plan = args.target == Target::organization
                          ? saved_plan(&organization_truncate_remove_plan, kOrganizationTruncateRemoveSql, 3, types)
                          : saved_plan(&truncate_remove_plan, kTruncateRemoveSql, 3, types);
    Datum values[3] = {key_array, BoolGetDatum(args.lifetime_subscriber != InvalidAttrNumber), args.claim_keys};
    spi_execute(plan, values, nullptr, SPI_OK_UPDATE, "claims removal at TRUNCATE");
}

// The tables whose rows this TRUNCATE removes and the row trigger projects: the table itself, or
// every leaf partition of a partitioned table (its row trigger is cloned onto each). Not the
// children of a table with plain inheritance: its row triggers do not fire for their rows, and
// TRUNCATE fires each child's own triggers.
List *truncated_leaves(Relation rel) {
    Oid relid = RelationGetRelid(rel);
    if (rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE)
        return list_make1_oid(relid);
    List *leaves = NIL;
    ListCell *cell;
    foreach (cell, find_all_inheritors(relid, AccessExclusiveLock, nullptr))
        if (get_rel_relkind(lfirst_oid(cell)) == RELKIND_RELATION)
            leaves = lappend_oid(leaves, lfirst_oid(cell));
    return leaves;
}

void upsert_trigger_truncate(TriggerData *data, const UpsertTriggerArgs &args) {
    Relation rel = data->tg_relation;
    // TRUNCATE holds ACCESS EXCLUSIVE on every table it empties: no writer of them is in progress,
    // and the latest snapshot sees exactly the rows it removes, whenever this transaction's
    // snapshot was taken. In REPEATABLE READ a row committed after that snapshot cannot be
    // handled from it (the profile written with it may be invisible too): refused, retry.
    Snapshot snapshot = RegisterSnapshot(GetLatestSnapshot());
    Snapshot transaction_snapshot = IsolationUsesXactSnapshot() ? GetTransactionSnapshot() : nullptr;
    MemoryContext batch_context =
        AllocSetContextCreate(CurrentMemoryContext, "kinde_claims TRUNCATE batch", ALLOCSET_DEFAULT_SIZES);
    auto *keys = static_cast<Datum *>(palloc(sizeof(Datum) * kTruncateBatch));
    int count = 0;

    int guc_level = writes_as_origin();
    spi_connect();
    HistorySource *source = history_source_push("truncate", nullptr, RelationGetRelid(rel));
    ListCell *cell;
    foreach (cell, truncated_leaves(rel)) {
        Oid leaf_id = lfirst_oid(cell);
        Relation leaf = table_open(leaf_id, AccessExclusiveLock);
        AttrNumber attnum = leaf_id == RelationGetRelid(rel) ? args.key
                                                              : get_attnum(leaf_id, args.key_column);
        TableScanDesc scan = table_beginscan(leaf, snapshot, 0, nullptr);
        TupleTableSlot *slot = table_slot_create(leaf, nullptr);
        while (table_scan_getnextslot(scan, ForwardScanDirection, slot)) {
            bool isnull;
            Datum value = slot_getattr(slot, attnum, &isnull);
            if (isnull)
                continue;
            if (transaction_snapshot && !table_tuple_satisfies_snapshot(leaf, slot, transaction_snapshot))
                throw pg::Error(ERRCODE_T_R_SERIALIZATION_FAILURE,
                                psprintf("%scould not serialize access due to rows committed after this "
                                         "transaction's snapshot",
                                         args.prefix),
                                "TRUNCATE removes them, and their claims cannot be taken off from this "
                                "transaction's snapshot.",
                                "Retry the transaction.");
            MemoryContext caller_context = MemoryContextSwitchTo(batch_context);
            text *key = DatumGetTextPCopy(value);
            MemoryContextSwitchTo(caller_context);
            // An invalid key can have no profile or organization to take claims from.
            if (!key_valid(args, key))
                continue;
            keys[count++] = PointerGetDatum(key);
            if (count == kTruncateBatch) {
                truncate_remove_batch(args, keys, count, batch_context);
                count = 0;
                MemoryContextReset(batch_context);
            }
        }
        ExecDropSingleTupleTableSlot(slot);
        table_endscan(scan);
        table_close(leaf, NoLock);
    }
    truncate_remove_batch(args, keys, count, batch_context);
    history_source_pop(source);
    SPI_finish();
    writes_as_origin_end(guc_level);
    MemoryContextDelete(batch_context);
    UnregisterSnapshot(snapshot);
}

// kinde_claims_projection_check(app_table) and kinde_claims_projection_repair(app_table): does
// what the app table's rows project, by each projection row trigger on it, agree with what the
// profiles or organizations store? A statement that changes rows without firing row triggers
// (a TRUNCATE without the BEFORE TRUNCATE trigger, a trigger disabled, a partition detached or
// dropped, a restore of a partial dump) leaves them disagreeing; the repair writes, through the
// trigger's own statements, what the rows say. The app table is read as the caller (SECURITY
// INVOKER: its privileges and row-level security, which is refused rather than read as a
// subset); the stored claims are read and written as the extension's tables' owner.

// A trigger's function is recognised by its C symbol in this library, whatever its schema or name.
constexpr const char *kModulePath = "$libdir/kinde_claims";

constexpr int kKeyBytes = 80;  // "kp_"/"org_" and 64 letters or digits, with room to spare

// One key (user id or org code) with rows in the app table: what each of its rows projects.
struct ProjectedKey {
    char key[kKeyBytes];  // hash key
    List *projections;    // Jsonb *: the row's mapped claims, with lifetime_subscriber when mapped
    Jsonb *last_claims;   // the last row read: what the repair writes (the trigger's last write wins)
    bool last_lifetime_subscriber;
    bool stored_seen;
};

// One disagreement, as the functions return it.
struct Disagreement {
    const char *trigger_name;
    bool organization;
    const char *key;
    Jsonb *stored;     // nullptr: no profile or organization at all
    Jsonb *projected;
    ProjectedKey *rows;  // nullptr: no row in the table has the key
};

constexpr const char *kProfilesStoredSql =
    "SELECT p.kinde_id, (SELECT COALESCE(pg_catalog.jsonb_object_agg(e.key, e.value), "
    "'{}'::pg_catalog.jsonb) FROM pg_catalog.jsonb_each(p.claims) AS e "
    "WHERE e.key OPERATOR(pg_catalog.=) ANY ($2)), p.lifetime_subscriber "
    "FROM kinde_claims.profiles AS p WHERE p.kinde_id OPERATOR(pg_catalog.=) ANY ($1) "
    "OR pg_catalog.jsonb_exists_any(p.claims, $2) OR ($3 AND p.lifetime_subscriber)";
constexpr const char *kOrganizationsStoredSql =
    "SELECT o.org_code, (SELECT COALESCE(pg_catalog.jsonb_object_agg(e.key, e.value), "
    "'{}'::pg_catalog.jsonb) FROM pg_catalog.jsonb_each(o.claims) AS e "
    "WHERE e.key OPERATOR(pg_catalog.=) ANY ($2)), false "
    "FROM kinde_claims.organizations AS o WHERE o.org_code OPERATOR(pg_catalog.=) ANY ($1) "
    "OR pg_catalog.jsonb_exists_any(o.claims, $2) OR $3";

char *relation_name(Oid relid) {
    return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
}

bool jsonb_equal(Jsonb *a, Jsonb *b) {
    return DatumGetBool(DirectFunctionCall2(jsonb_eq, JsonbPGetDatum(a), JsonbPGetDatum(b)));
}

// What a token part carries of this trigger's: the mapped claims, and lifetime_subscriber when the
// trigger maps it.
Jsonb *projection_of(const UpsertTriggerArgs &args, Jsonb *claims, bool lifetime_subscriber) {
    if (args.lifetime_subscriber == InvalidAttrNumber)
        return claims;
    return token_claims_build(lifetime_subscriber, claims);
}

// The projection row triggers on the table, in name order (the order Postgres fires them). A
// copy: the check's lock lets CREATE TRIGGER change the relcache's while it runs.
struct FoundTrigger {
    Trigger *trigger;
    Target target;
};
int projection_triggers(Relation rel, FoundTrigger *found) {
    int count = 0;
    TriggerDesc *triggers = rel->trigdesc ? CopyTriggerDesc(rel->trigdesc) : nullptr;
    for (int i = 0; triggers && i < triggers->numtriggers; ++i) {
        Trigger *trigger = &triggers->triggers[i];
        if (!TRIGGER_FOR_ROW(trigger->tgtype) || TRIGGER_FOR_BEFORE(trigger->tgtype) ||
            TRIGGER_FOR_INSTEAD(trigger->tgtype))
            continue;
        // The C symbol of this library (fmgr_info and fmgr_symbol would name fmgr_security_definer).
        HeapTuple function = SearchSysCache1(PROCOID, ObjectIdGetDatum(trigger->tgfoid));
        if (!HeapTupleIsValid(function))
            continue;
        bool is_c = reinterpret_cast<Form_pg_proc>(GETSTRUCT(function))->prolang == ClanguageId;
        bool module_null = true;
        bool symbol_null = true;
        Datum module = is_c ? SysCacheGetAttr(PROCOID, function, Anum_pg_proc_probin, &module_null) : 0;
        Datum symbol_datum = is_c ? SysCacheGetAttr(PROCOID, function, Anum_pg_proc_prosrc, &symbol_null) : 0;
        bool ours = !module_null && !symbol_null && strcmp(TextDatumGetCString(module), kModulePath) == 0;
        char *symbol = ours ? TextDatumGetCString(symbol_datum) : nullptr;
        ReleaseSysCache(function);
        if (!ours)
            continue;
        if (strcmp(symbol, "kinde_profile_upsert_trigger") == 0)
            found[count++] = {trigger, Target::profile};
        else if (strcmp(symbol, "kinde_organization_upsert_trigger") == 0)
            found[count++] = {trigger, Target::organization};
    }
    return count;
}

// Every row of the table (its partitions' too, not plain inheritance children), read as the
// caller: the keys and what each row projects.
HTAB *rows_projected(Relation rel, TriggerData *data, const UpsertTriggerArgs &args, bool read_only,
                     const char *function, MemoryContext keep) {
    HASHCTL control{};
    control.keysize = kKeyBytes;
    control.entrysize = sizeof(ProjectedKey);
    control.hcxt = keep;
    HTAB *keys = hash_create("kinde_claims projection keys", 1024, &control, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);

    Oid relid = RelationGetRelid(rel);
    const char *only = rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE ? "" : "ONLY ";
    char *sql = psprintf("SELECT t FROM %s%s AS t", only, relation_name(relid));
    SPIPlanPtr plan = SPI_prepare(sql, 0, nullptr);
    if (!plan)
        elog(ERROR, "could not prepare the read of %s: %s", relation_name(relid), SPI_result_code_string(SPI_result));
    row_security_check(relid, plan, function, "take the claims of the rows it cannot see for claims no row projects");
    Portal portal = SPI_cursor_open(nullptr, plan, nullptr, nullptr, read_only);
    for (;;) {
        SPI_cursor_fetch(portal, true, kTruncateBatch);
        uint64 rows = SPI_processed;
        if (rows == 0)
            break;
        SPITupleTable *batch = SPI_tuptable;
        MemoryContext spi_context = MemoryContextSwitchTo(keep);
        for (uint64 i = 0; i < rows; ++i) {
            bool isnull;
            Datum whole = SPI_getbinval(batch->vals[i], batch->tupdesc, 1, &isnull);
            if (isnull)
                continue;
            HeapTupleHeader header = DatumGetHeapTupleHeader(whole);
            HeapTupleData row;
            row.t_len = HeapTupleHeaderGetDatumLength(header);
            ItemPointerSetInvalid(&row.t_self);
            row.t_tableOid = relid;
            row.t_data = header;
            text *key = row_key(data, args, &row);
            // No key, or one no profile or organization can have: the row projects nothing.
            if (key == nullptr || !key_valid(args, key))
                continue;
            std::string_view view = text_view(key);
            char name[kKeyBytes];
            memcpy(name, view.data(), view.size());
            name[view.size()] = '\0';
            bool found;
            auto *entry = static_cast<ProjectedKey *>(hash_search(keys, name, HASH_ENTER, &found));
            if (!found) {
                entry->projections = NIL;
                entry->stored_seen = false;
            }
            bool lifetime_subscriber = false;
            if (args.lifetime_subscriber != InvalidAttrNumber) {
                bool flag_null;
                Datum flag = heap_getattr(&row, args.lifetime_subscriber, RelationGetDescr(rel), &flag_null);
                lifetime_subscriber = !flag_null && DatumGetBool(flag);
            }
            Jsonb *claims = row_claims(data, args, &row, nullptr);
            entry->last_claims = claims;
            entry->last_lifetime_subscriber = lifetime_subscriber;
            entry->projections = lappend(entry->projections, projection_of(args, claims, lifetime_subscriber));
        }
        MemoryContextSwitchTo(spi_context);
        SPI_freetuptable(batch);
    }
    SPI_cursor_close(portal);
    return keys;
}

// The disagreements of one trigger, appended to `out` (grown in `keep`).
void trigger_disagreements(Relation rel, const FoundTrigger &found, bool read_only, const char *function,
                           MemoryContext keep, Disagreement **out, int *count, int *capacity) {
    TriggerData data{};
    data.type = T_TriggerData;
    data.tg_event = TRIGGER_EVENT_INSERT | TRIGGER_EVENT_ROW;
    data.tg_relation = rel;
    data.tg_trigger = found.trigger;
    // A WHEN condition decides which rows the trigger projects; the check cannot evaluate it, and
    // would take the rows it excludes for rows whose claims are missing.
    if (found.trigger->tgqual != nullptr)
        throw pg::Error(ERRCODE_FEATURE_NOT_SUPPORTED,
                        psprintf("trigger \"%s\" on %s has a WHEN condition, which %s cannot evaluate",
                                 found.trigger->tgname, relation_name(RelationGetRelid(rel)), function),
                        "It would read every row as projected, and report (and rewrite) the rows the condition "
                        "excludes.",
                        "Compare the rows the condition selects with the stored claims yourself, or drop the "
                        "condition.");
    const UpsertTriggerArgs &args = upsert_trigger_args_for(&data, found.target);
    bool organization = found.target == Target::organization;
    // Without DELETE the trigger leaves a removed row's claims on purpose: only keys with rows count.
    // So on a partition, whose siblings' rows project the same claims: check the partitioned table.
    bool projects_removal = TRIGGER_FOR_DELETE(found.trigger->tgtype) && !rel->rd_rel->relispartition;
    HTAB *keys = rows_projected(rel, &data, args, read_only, function, keep);

    MemoryContext caller_context = MemoryContextSwitchTo(keep);
    long nkeys = hash_get_num_entries(keys);
    Datum *key_values = static_cast<Datum *>(palloc(sizeof(Datum) * (nkeys + 1)));
    long k = 0;
    HASH_SEQ_STATUS status;
    hash_seq_init(&status, keys);
    while (auto *entry = static_cast<ProjectedKey *>(hash_seq_search(&status)))
        key_values[k++] = CStringGetTextDatum(entry->key);
    Datum key_array = PointerGetDatum(construct_array(key_values, static_cast<int>(nkeys), TEXTOID, -1, false, TYPALIGN_INT));
    // What a key with no row (or no profile or organization) projects: nothing, not a subscriber.
    Jsonb *empty = projection_of(args, DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}"))), false);
    MemoryContextSwitchTo(caller_context);

    auto add = [&](const char *key, Jsonb *stored, Jsonb *projected, ProjectedKey *rows) {
        MemoryContext previous = MemoryContextSwitchTo(keep);
        if (*count == *capacity) {
            *capacity = *capacity * 2;
            *out = static_cast<Disagreement *>(repalloc(*out, sizeof(Disagreement) * *capacity));
        }
        (*out)[(*count)++] = {pstrdup(found.trigger->tgname), organization, pstrdup(key), stored, projected, rows};
        MemoryContextSwitchTo(previous);
    };

    // The stored parts of the keys with rows, and of every profile or organization holding a
    // mapped claim (or lifetime_subscriber true, when mapped), as the tables' owner.
    Oid types[3] = {TEXTARRAYOID, TEXTARRAYOID, BOOLOID};
    SPIPlanPtr plan = SPI_prepare(organization ? kOrganizationsStoredSql : kProfilesStoredSql, 3, types);
    if (!plan)
        elog(ERROR, "could not prepare the read of the stored claims: %s", SPI_result_code_string(SPI_result));
    Datum values[3] = {key_array, args.claim_keys, BoolGetDatum(args.lifetime_subscriber != InvalidAttrNumber)};
    UserSwitch saved = switch_user(profiles_owner());
    int status_code = SPI_execute_plan(plan, values, nullptr, read_only, 0);
    switch_back(saved);
    if (status_code != SPI_OK_SELECT)
        elog(ERROR, "the read of the stored claims returned %s", SPI_result_code_string(status_code));
    SPITupleTable *stored_rows = SPI_tuptable;
    for (uint64 i = 0; i < SPI_processed; ++i) {
        bool isnull;
        char *key = TextDatumGetCString(SPI_getbinval(stored_rows->vals[i], stored_rows->tupdesc, 1, &isnull));
        MemoryContext previous = MemoryContextSwitchTo(keep);
        Jsonb *mapped = DatumGetJsonbPCopy(SPI_getbinval(stored_rows->vals[i], stored_rows->tupdesc, 2, &isnull));
        bool flag = DatumGetBool(SPI_getbinval(stored_rows->vals[i], stored_rows->tupdesc, 3, &isnull));
        Jsonb *stored = projection_of(args, mapped, flag);
        MemoryContextSwitchTo(previous);
        auto *entry = strlen(key) < kKeyBytes ? static_cast<ProjectedKey *>(hash_search(keys, key, HASH_FIND, nullptr))
                                               : nullptr;
        if (entry == nullptr) {
            if (projects_removal && !jsonb_equal(stored, empty))
                add(key, stored, empty, nullptr);
            continue;
        }
        entry->stored_seen = true;
        bool agrees = false;
        ListCell *cell;
        foreach (cell, entry->projections)
            agrees = agrees || jsonb_equal(stored, static_cast<Jsonb *>(lfirst(cell)));
        if (!agrees)
            add(key, stored, static_cast<Jsonb *>(llast(entry->projections)), entry);
    }
    SPI_freetuptable(stored_rows);
    // Keys with rows but no profile or organization: one that projects nothing reads the same.
    hash_seq_init(&status, keys);
    while (auto *entry = static_cast<ProjectedKey *>(hash_seq_search(&status))) {
        if (entry->stored_seen)
            continue;
        bool agrees = false;
        ListCell *cell;
        foreach (cell, entry->projections)
            agrees = agrees || jsonb_equal(empty, static_cast<Jsonb *>(lfirst(cell)));
        if (!agrees)
            add(entry->key, nullptr, static_cast<Jsonb *>(llast(entry->projections)), entry);
    }
}

int disagreement_order(const void *a, const void *b) {
    const auto *x = static_cast<const Disagreement *>(a);
    const auto *y = static_cast<const Disagreement *>(b);
    int by_trigger = strcmp(x->trigger_name, y->trigger_name);
    return by_trigger != 0 ? by_trigger : strcmp(x->key, y->key);
}

// Checks (and with `repair`, rewrites) every projection trigger of the table; returns the
// disagreements found, one row each, in trigger then key order.
Datum projection_check(FunctionCallInfo fcinfo, bool repair) {
    const char *function = repair ? "kinde_claims_projection_repair" : "kinde_claims_projection_check";
    if (PG_ARGISNULL(0))
        throw pg::Error(ERRCODE_NULL_VALUE_NOT_ALLOWED, "app_table must not be null");
    // A read-only transaction or a hot standby: 25006 before any lock (a standby refuses SHARE).
    if (repair)
        PreventCommandIfReadOnly(function);
    Oid relid = PG_GETARG_OID(0);
    char relkind = get_rel_relkind(relid);
    if (relkind == '\0')
        throw pg::Error(ERRCODE_UNDEFINED_TABLE, psprintf("relation with OID %u does not exist", relid));
    if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
        throw pg::Error(ERRCODE_WRONG_OBJECT_TYPE, psprintf("\"%s\" is not a table", relation_name(relid)),
                        "Projection triggers fire on tables and partitioned tables.");
    // The repair keeps the table's rows still until it commits (writers wait; readers do not),
    // so the claims it writes are what the rows say when it commits.
    LOCKMODE lock = repair ? ShareLock : AccessShareLock;
    Relation rel = table_open(relid, lock);
    if (repair && rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
        (void)find_all_inheritors(relid, lock, nullptr);
    FoundTrigger *found =
        static_cast<FoundTrigger *>(palloc(sizeof(FoundTrigger) * (rel->trigdesc ? rel->trigdesc->numtriggers : 1)));
    int ntriggers = projection_triggers(rel, found);
    if (ntriggers == 0)
        throw pg::Error(ERRCODE_INVALID_PARAMETER_VALUE,
                        psprintf("%s has no projection trigger", relation_name(relid)),
                        "A projection trigger is an AFTER ... FOR EACH ROW trigger executing "
                        "kinde_profile_upsert_trigger() or kinde_organization_upsert_trigger().");

    InitMaterializedSRF(fcinfo, 0);
    auto *result = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    MemoryContext keep = AllocSetContextCreate(CurrentMemoryContext, "kinde_claims projection check",
                                               ALLOCSET_DEFAULT_SIZES);
    int count = 0;
    int capacity = 16;
    auto *disagreements = static_cast<Disagreement *>(MemoryContextAlloc(keep, sizeof(Disagreement) * capacity));
    spi_connect();
    for (int i = 0; i < ntriggers; ++i)
        trigger_disagreements(rel, found[i], !repair, function, keep, &disagreements, &count, &capacity);
    if (count > 1)
        qsort(disagreements, count, sizeof(Disagreement), disagreement_order);

    if (repair) {
        int guc_level = writes_as_origin();
        HistorySource *source = history_source_push("repair", nullptr, relid);
        UserSwitch saved = switch_user(profiles_owner());
        for (int i = 0; i < count; ++i) {
            const Disagreement &d = disagreements[i];
            const FoundTrigger *trigger = nullptr;
            for (int t = 0; t < ntriggers && !trigger; ++t)
                if (strcmp(found[t].trigger->tgname, d.trigger_name) == 0)
                    trigger = &found[t];
            TriggerData data{};
            data.type = T_TriggerData;
            data.tg_event = TRIGGER_EVENT_INSERT | TRIGGER_EVENT_ROW;
            data.tg_relation = rel;
            data.tg_trigger = trigger->trigger;
            const UpsertTriggerArgs &args = upsert_trigger_args_for(&data, trigger->target);
            text *key = cstring_to_text(d.key);
            if (d.rows == nullptr) {
                target_remove_claims(args, key);
                continue;
            }
            NullableDatum lifetime_subscriber{0, true};
            if (args.lifetime_subscriber != InvalidAttrNumber)
                lifetime_subscriber = {BoolGetDatum(d.rows->last_lifetime_subscriber), false};
            target_set_claims(args, key, lifetime_subscriber, d.rows->last_claims);
        }
        switch_back(saved);
        history_source_pop(source);
        writes_as_origin_end(guc_level);
    }
    SPI_finish();

    for (int i = 0; i < count; ++i) {
        const Disagreement &d = disagreements[i];
        Datum values[5] = {DirectFunctionCall1(namein, CStringGetDatum(d.trigger_name)),
                           CStringGetTextDatum(d.organization ? "organization" : "user"), CStringGetTextDatum(d.key),
                           JsonbPGetDatum(d.stored), JsonbPGetDatum(d.projected)};
        bool nulls[5] = {false, false, false, d.stored == nullptr, false};
        tuplestore_putvalues(result->setResult, result->setDesc, values, nulls);
    }
    table_close(rel, NoLock);
    return (Datum)0;
}

}  // namespace

void upsert_trigger_register_invalidation() {
    CacheRegisterRelcacheCallback(upsert_trigger_forget, 0);
}

}  // namespace kinde_claims

namespace kinde_claims {
namespace {

Datum upsert_trigger(FunctionCallInfo fcinfo, const char *name, Target target) {
    if (CALLED_AS_TRIGGER(fcinfo)) {
        auto *data = reinterpret_cast<TriggerData *>(fcinfo->context);
        if (TRIGGER_FIRED_BY_TRUNCATE(data->tg_event)) {
            if (!TRIGGER_FIRED_BEFORE(data->tg_event))
                throw pg::Error(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED,
                                std::string(name) + " must fire BEFORE TRUNCATE, while the rows are still there",
                                {}, "Create it as BEFORE TRUNCATE ... FOR EACH STATEMENT.");
            upsert_trigger_truncate(data, upsert_trigger_args_for(data, target));
            return PointerGetDatum(nullptr);
        }
    }
    TriggerData *data = row_trigger_data(fcinfo, name, RowTriggerFires::after_any);
    upsert_trigger_apply(data, upsert_trigger_args_for(data, target));
    return PointerGetDatum(nullptr);
}

}  // namespace
}  // namespace kinde_claims

KC_FUNCTION(kinde_profile_upsert_trigger) {
    return kinde_claims::upsert_trigger(fcinfo, kinde_claims::kProfileTriggerName, kinde_claims::Target::profile);
}

KC_FUNCTION(kinde_organization_upsert_trigger) {
    return kinde_claims::upsert_trigger(fcinfo, kinde_claims::kOrganizationTriggerName,
                                        kinde_claims::Target::organization);
}

KC_FUNCTION(kinde_claims_projection_check) {
    return kinde_claims::projection_check(fcinfo, false);
}

KC_FUNCTION(kinde_claims_projection_repair) {
    return kinde_claims::projection_check(fcinfo, true);
}
