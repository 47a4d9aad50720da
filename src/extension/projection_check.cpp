// kinde_claims_projection_check() and kinde_claims_projection_repair() (0.8.0): compare an app
// table's rows with the claims its projection triggers store, through the same parsed arguments
// and statements as the triggers (projection_trigger.hpp).
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

// What the functions would do with a subset of the rows (row_security_check's message).
constexpr const char *kRowSecurityConsequence = "take the claims of the rows it cannot see for claims no row projects";

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
    row_security_check(relid, plan, function, kRowSecurityConsequence);
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
    // Prepared as the owner too: parsing it looks schema kinde_claims up, which the caller may not.
    Oid types[3] = {TEXTARRAYOID, TEXTARRAYOID, BOOLOID};
    UserSwitch saved = switch_user(profiles_owner());
    SPIPlanPtr plan = SPI_prepare(organization ? kOrganizationsStoredSql : kProfilesStoredSql, 3, types);
    if (!plan)
        elog(ERROR, "could not prepare the read of the stored claims: %s", SPI_result_code_string(SPI_result));
    Datum values[3] = {key_array, args.claim_keys, BoolGetDatum(args.lifetime_subscriber != InvalidAttrNumber)};
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
    // The caller's right to read the table, before any lock: a caller without it is refused at
    // once, not after waiting for the table's writers (the read checks again, as the caller).
    table_read_check(relid, function, kRowSecurityConsequence);
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

}  // namespace kinde_claims

KC_FUNCTION(kinde_claims_projection_check) {
    return kinde_claims::projection_check(fcinfo, false);
}

KC_FUNCTION(kinde_claims_projection_repair) {
    return kinde_claims::projection_check(fcinfo, true);
}
