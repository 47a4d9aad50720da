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
// TRUNCATE removes lose their claims as a DELETE would take them (0.8.0), through the same writes of
// their rows' keys. Their arguments are parsed in projection_trigger_args.cpp; the check and repair
// of an app table are in projection_check.cpp.
#include "projection_trigger.hpp"

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

}  // namespace

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

namespace {

bool kinde_id_valid(text *kinde_id) {
    return !rules::check_kinde_id(text_view(kinde_id));
}

}  // namespace

// The row's key under its target's rule: a Kinde user id, or an org code.
bool key_valid(const UpsertTriggerArgs &args, text *key) {
    return args.target == Target::organization ? rules::is_valid_org_code(text_view(key)) : kinde_id_valid(key);
}

namespace {

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

}  // namespace

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

namespace {

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
