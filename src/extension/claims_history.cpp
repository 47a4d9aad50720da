// The claims history: one row in kinde_claims.claims_history per change of what a user's token
// carries, written by the AFTER row trigger on kinde_claims.profiles in the writer's transaction.
// The API functions say which path wrote (upsert, webhook, ...) through a backend-local stack of
// sources pushed around their write; a write with no source pushed is a direct `sql` write. A
// (sub)transaction abort pops what it left behind, so an error never leaves a stale source.
#include "kinde_claims.hpp"

extern "C" {
#include "access/genam.h"
#include "access/heapam.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_am_d.h"
#include "catalog/pg_type_d.h"
#include "commands/sequence.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "nodes/primnodes.h"
#include "utils/inval.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/timestamp.h"
#include "tcop/pquery.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/portal.h"
}

namespace kinde_claims {

struct HistorySource {
    const char *source;
    text *event_id;  // the webhook's event_id, while its write runs
    Oid app_table;   // the app table kinde_profile_upsert_trigger fired on
    int nest_level;  // the (sub)transaction that pushed it
    HistorySource *outer;
};

namespace {

HistorySource *current_source;

constexpr const char *kInsertSql =
    "INSERT INTO kinde_claims.claims_history "
    "(kinde_id, source, event_id, app_table, actor, jwt_role, old_claims, new_claims) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

SPIPlanPtr insert_plan;

void forget_sources_at_end(XactEvent event, void *) {
    if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_COMMIT ||
        event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PREPARE)
        current_source = nullptr;  // the frames were in TopTransactionContext, gone with it
}

void forget_sources_of_aborted(SubXactEvent event, SubTransactionId, SubTransactionId, void *) {
    if (event != SUBXACT_EVENT_ABORT_SUB)
        return;
    int aborted_level = GetCurrentTransactionNestLevel();
    while (current_source && current_source->nest_level >= aborted_level)
        current_source = current_source->outer;
}

text *role_name(Oid role) {
    return cstring_to_text(GetUserNameFromId(role, false));
}

// Where the current value of a setting came from. The history takes the writer's role and its
// JWT's role only from what the writing transaction set itself (or, for the role, what the
// session got at login): behind a transaction pooler (PgBouncer, Supavisor) one server session
// runs the transactions of many clients, and a plain SET that one client ran in a transaction of
// its own stays on the server session for whichever client's transaction comes next.
enum class SettingOrigin {
    unset,                // no such setting in this session (a custom one nobody set)
    login,                // its default, the configuration, ALTER ROLE/DATABASE ... SET, the startup packet
    this_transaction,     // changed in the current transaction: SET LOCAL, set_config(..., true), a
                          // SET in the same transaction, a function's SET clause
    earlier_transaction,  // a plain SET (set_config(..., false)) of an earlier transaction, kept
                          // by the session: behind a pooler, perhaps another client's
};

#if PG_VERSION_NUM < 160000
// guc.c's guc_name_compare: the array of settings is sorted by it (ASCII case folded).
int setting_name_compare(const char *a, const char *b) {
    for (; *a && *b; ++a, ++b) {
        char ca = *a >= 'A' && *a <= 'Z' ? static_cast<char>(*a + ('a' - 'A')) : *a;
        char cb = *b >= 'A' && *b <= 'Z' ? static_cast<char>(*b + ('a' - 'A')) : *b;
        if (ca != cb)
            return ca - cb;
    }
    return *a ? 1 : *b ? -1 : 0;
}
#endif

config_generic *find_setting(const char *name) {
#if PG_VERSION_NUM >= 160000
    return find_option(name, false, true, ERROR);
#else
    // find_option is static before 16: the same binary search over the sorted array (looked up
    // each time: adding a custom setting reallocates it).
    config_generic **settings = get_guc_variables();
    int low = 0, high = GetNumConfigOptions() - 1;
    while (low <= high) {
        int middle = low + (high - low) / 2;
        int order = setting_name_compare(name, settings[middle]->name);
        if (order == 0)
            return settings[middle];
        if (order < 0)
            high = middle - 1;
        else
            low = middle + 1;
    }
    return nullptr;
#endif
}

// The setting's stack holds an entry for each (sub)transaction level that changed it, popped at
// that level's end: any entry means the current value was set in the current transaction.
// Without one, a value whose source is PGC_S_SESSION is what a plain SET of an earlier
// transaction left behind (a SET LOCAL is undone at its transaction's end, with its source).
SettingOrigin setting_origin(const char *name) {
    const config_generic *setting = find_setting(name);
    if (setting == nullptr)
        return SettingOrigin::unset;
    if (setting->stack != nullptr)
        return SettingOrigin::this_transaction;
    return setting->source == PGC_S_SESSION ? SettingOrigin::earlier_transaction : SettingOrigin::login;
}

// The role the writing transaction acts as (SET ROLE, PostgREST's role switch), which no
// SECURITY DEFINER function in between changes: current_user would always be the extension's
// owner. A role left by a plain SET ROLE of an earlier transaction is not this transaction's:
// the actor is then the session's user, which behind a pooler is the pooler's login role (and a
// SET SESSION AUTHORIZATION of an earlier transaction falls back to the authenticated user).
Oid acting_role() {
    Oid role = GetOuterUserId();
    if (setting_origin("role") == SettingOrigin::earlier_transaction)
        role = GetSessionUserId();
    if (role == GetSessionUserId() && setting_origin("session_authorization") == SettingOrigin::earlier_transaction)
        role = GetAuthenticatedUserId();
    return role;
}

void jwt_claims_context(void *) {
    errcontext("reading the setting request.jwt.claims for the claims history");
}

// The JWT's "role" when request.jwt.claims was set in the writing transaction (PostgREST sets it
// with set_config(..., true) for each request), else nullptr: a value a plain SET of an earlier
// transaction left on the session, which behind a pooler may be another client's, is not read.
text *jwt_role() {
    if (setting_origin("request.jwt.claims") != SettingOrigin::this_transaction)
        return nullptr;
    const char *claims = GetConfigOption("request.jwt.claims", true, false);
    if (claims == nullptr || claims[0] == '\0')
        return nullptr;
    ErrorContextCallback context{error_context_stack, jwt_claims_context, nullptr};
    error_context_stack = &context;
    Jsonb *object = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(claims)));
    error_context_stack = context.previous;
    if (!JB_ROOT_IS_OBJECT(object))
        return nullptr;
    JsonbValue value;
    if (!getKeyJsonValueFromContainer(&object->root, "role", 4, &value) || value.type != jbvString)
        return nullptr;
    return cstring_to_text_with_len(value.val.string.val, value.val.string.len);
}

text *app_table_name(Oid relation) {
    char *name = get_rel_name(relation);
    if (name == nullptr)
        return nullptr;
    return cstring_to_text(quote_qualified_identifier(get_namespace_name(get_rel_namespace(relation)), name));
}

// The history table as the direct writer found it. A profile's entry is the hot path of every
// recorded write, and an INSERT statement costs about four times the row: the executor builds
// its plan state, opens and describes every index and plans a partial index's predicate
// anew each time. So when the table is exactly as the extension made it (no trigger, rule, CHECK,
// generated or unknown column, btree indexes on plain columns, partial only on IS [NOT] NULL
// tests of columns, checked against each entry), the row goes straight into the heap and its
// indexes; else through the INSERT statement, which honours whatever was added.
constexpr int kMaxIndexes = 8;
constexpr int kMaxNullTests = 4;
struct NullTestCheck {
    AttrNumber attnum;
    bool is_null;  // IS NULL, else IS NOT NULL
};
struct HistoryTable {
    Oid relid;
    bool direct;
    Oid id_sequence;
    AttrNumber id, kinde_id, changed_at, source, event_id, app_table, actor, jwt_role, old_claims, new_claims;
    int index_count;
    Oid indexes[kMaxIndexes];
    IndexInfo *index_info[kMaxIndexes];  // in history_table_memory
    // A partial index's predicate: column tests that all hold for the entries it holds.
    int null_test_count[kMaxIndexes];
    NullTestCheck null_tests[kMaxIndexes][kMaxNullTests];
};
HistoryTable history_table_cache;
MemoryContext history_table_memory;
bool history_table_valid = false;
bool history_table_loading = false;
bool history_table_load_interrupted = false;

void forget_history_table(Datum, Oid relid) {
    if (history_table_loading)
        history_table_load_interrupted = true;  // whatever it was about: load again next time
    if (!history_table_valid)
        return;
    bool ours =
        relid == InvalidOid || relid == history_table_cache.relid || relid == history_table_cache.id_sequence;
    for (int i = 0; i < history_table_cache.index_count && !ours; ++i)
        ours = relid == history_table_cache.indexes[i];
    if (ours)
        history_table_valid = false;
}

// A database still at an older version (this library installed, ALTER EXTENSION ... UPDATE not
// run yet) has no history table: its writes go on, and the history starts with the update.
Oid history_table_oid() {
    if (history_table_valid)
        return history_table_cache.relid;
    Oid schema = get_namespace_oid("kinde_claims", true);
    return OidIsValid(schema) ? get_relname_relid("claims_history", schema) : InvalidOid;
}

// The columns of the table: where the writer keeps each one's number (nullptr: left NULL, the
// feed's columns and org_code) and whether it may be left NULL.
struct KnownColumn {
    const char *name;
    Oid type;
    AttrNumber HistoryTable::*attnum;
    bool may_be_null;
};
const KnownColumn kColumns[] = {
    {"id", INT8OID, &HistoryTable::id, false},
    {"kinde_id", TEXTOID, &HistoryTable::kinde_id, false},
    {"changed_at", TIMESTAMPTZOID, &HistoryTable::changed_at, false},
    {"source", TEXTOID, &HistoryTable::source, false},
    {"event_id", TEXTOID, &HistoryTable::event_id, true},
    {"app_table", TEXTOID, &HistoryTable::app_table, true},
    {"actor", TEXTOID, &HistoryTable::actor, false},
    {"jwt_role", TEXTOID, &HistoryTable::jwt_role, true},
    {"old_claims", JSONBOID, &HistoryTable::old_claims, false},
    {"new_claims", JSONBOID, &HistoryTable::new_claims, false},
    {"lease_id", INT8OID, nullptr, true},
    {"leased_until", TIMESTAMPTZOID, nullptr, true},
    {"lease_worker", TEXTOID, nullptr, true},
    {"pushed_at", TIMESTAMPTZOID, nullptr, true},
    {"push_outcome", TEXTOID, nullptr, true},
    {"push_http_status", INT4OID, nullptr, true},
    {"org_code", TEXTOID, nullptr, true},
};

bool columns_known(Relation rel, HistoryTable &table) {
    TupleDesc desc = RelationGetDescr(rel);
    if (desc->constr && (desc->constr->num_check > 0 || desc->constr->has_generated_stored))
        return false;
    for (int i = 0; i < desc->natts; ++i) {
        Form_pg_attribute attribute = TupleDescAttr(desc, i);
        if (attribute->attisdropped)
            continue;
        const KnownColumn *known = nullptr;
        for (const KnownColumn &column : kColumns)
            if (strcmp(NameStr(attribute->attname), column.name) == 0)
                known = &column;
        if (known == nullptr || attribute->atttypid != known->type ||
            (known->may_be_null && attribute->attnotnull))
            return false;
        if (known->attnum == nullptr && attribute->atthasdef)
            return false;  // a default the statement would have filled in
        if (known->attnum == &HistoryTable::id && attribute->attidentity == '\0')
            return false;
        if (known->attnum != nullptr)
            table.*known->attnum = attribute->attnum;
    }
    for (const KnownColumn &column : kColumns)
        if (column.attnum != nullptr && table.*column.attnum == InvalidAttrNumber)
            return false;
    table.id_sequence = getIdentitySequence(table.relid, table.id, true);
    return OidIsValid(table.id_sequence);
}

// Whether the direct writer can fill an index: a btree on plain columns (immediate if unique),
// whole or partial with a predicate of IS [NOT] NULL tests of plain columns (such as the feed's
// pushed_at IS NULL, or the leased index's), which it checks against each new entry.
bool index_known(Relation index, int &test_count, NullTestCheck *tests) {
    Form_pg_index form = index->rd_index;
    test_count = 0;
    if (index->rd_rel->relam != BTREE_AM_OID || form->indisexclusion ||
        (form->indisunique && !form->indimmediate) || RelationGetIndexExpressions(index) != NIL)
        return false;
    List *predicate = RelationGetIndexPredicate(index);
    if (list_length(predicate) > kMaxNullTests)
        return false;
    ListCell *cell;
    foreach (cell, predicate) {
        if (!IsA(lfirst(cell), NullTest))
            return false;
        auto *test = static_cast<NullTest *>(lfirst(cell));
        if (test->argisrow || test->arg == nullptr || !IsA(test->arg, Var) ||
            reinterpret_cast<Var *>(test->arg)->varattno <= 0)
            return false;
        tests[test_count++] = {reinterpret_cast<Var *>(test->arg)->varattno, test->nulltesttype == IS_NULL};
    }
    return true;
}

// Call with the table open: the lock keeps its definition from changing until the end of the
// transaction (CREATE INDEX CONCURRENTLY aside, whose new index's readiness is read per row).
const HistoryTable &history_table(Relation rel) {
    if (history_table_valid && history_table_cache.relid == RelationGetRelid(rel))
        return history_table_cache;
    history_table_valid = false;
    history_table_loading = true;
    history_table_load_interrupted = false;
    if (history_table_memory == nullptr)
        history_table_memory =
            AllocSetContextCreate(CacheMemoryContext, "kinde_claims history table", ALLOCSET_SMALL_SIZES);
    MemoryContextReset(history_table_memory);
    HistoryTable table{};
    table.relid = RelationGetRelid(rel);
    table.direct = rel->rd_rel->relkind == RELKIND_RELATION && rel->trigdesc == nullptr &&
                   !rel->rd_rel->relhasrules && !rel->rd_rel->relforcerowsecurity &&
                   columns_known(rel, table);
    List *indexes = RelationGetIndexList(rel);
    if (list_length(indexes) > kMaxIndexes)
        table.direct = false;
    ListCell *cell;
    foreach (cell, indexes) {
        if (table.index_count == kMaxIndexes)
            break;
        Oid index_oid = lfirst_oid(cell);
        table.indexes[table.index_count++] = index_oid;
        Relation index = index_open(index_oid, RowExclusiveLock);
        int slot = table.index_count - 1;
        if (!index_known(index, table.null_test_count[slot], table.null_tests[slot]))
            table.direct = false;
        MemoryContext caller_memory = MemoryContextSwitchTo(history_table_memory);
        table.index_info[table.index_count - 1] = BuildIndexInfo(index);
        MemoryContextSwitchTo(caller_memory);
        index_close(index, NoLock);
    }
    list_free(indexes);
    history_table_loading = false;
    history_table_cache = table;
    history_table_valid = !history_table_load_interrupted;
    return history_table_cache;
}

}  // namespace

HistorySource *history_source_push(const char *source, text *event_id, Oid app_table) {
    auto *frame =
        static_cast<HistorySource *>(MemoryContextAlloc(TopTransactionContext, sizeof(HistorySource)));
    *frame = {source, event_id, app_table, GetCurrentTransactionNestLevel(), current_source};
    current_source = frame;
    return frame;
}

void history_source_pop(HistorySource *frame) {
    current_source = frame->outer;
    pfree(frame);
}

void history_register_callbacks() {
    RegisterXactCallback(forget_sources_at_end, nullptr);
    RegisterSubXactCallback(forget_sources_of_aborted, nullptr);
    CacheRegisterRelcacheCallback(forget_history_table, 0);
}

namespace {

// The row of one profile's entry, straight into the heap and each index, as the INSERT statement
// would put it there (the same locks, the identity sequence, clock_timestamp() for changed_at).
// The history is the owner's; a direct write checks no privilege, so the writer needs none.
void history_insert_direct(Relation rel, const HistoryTable &table, const Datum *context,
                           const bool *context_null) {
    TupleDesc desc = RelationGetDescr(rel);
    auto *values = static_cast<Datum *>(palloc0(desc->natts * sizeof(Datum)));
    auto *nulls = static_cast<bool *>(palloc(desc->natts * sizeof(bool)));
    memset(nulls, true, desc->natts * sizeof(bool));
    const AttrNumber written[] = {table.kinde_id, table.source,   table.event_id,   table.app_table,
                                  table.actor,    table.jwt_role, table.old_claims, table.new_claims};
    for (size_t i = 0; i < lengthof(written); ++i) {
        values[written[i] - 1] = context[i];
        nulls[written[i] - 1] = context_null[i];
    }
    values[table.id - 1] = Int64GetDatum(nextval_internal(table.id_sequence, false));
    nulls[table.id - 1] = false;
    values[table.changed_at - 1] = TimestampTzGetDatum(GetCurrentTimestamp());
    nulls[table.changed_at - 1] = false;

    HeapTuple row = heap_form_tuple(desc, values, nulls);
    heap_insert(rel, row, GetCurrentCommandId(true), 0, nullptr);
    for (int i = 0; i < table.index_count; ++i) {
        bool holds = true;
        for (int t = 0; t < table.null_test_count[i]; ++t)
            holds = holds && nulls[table.null_tests[i][t].attnum - 1] == table.null_tests[i][t].is_null;
        if (!holds)
            continue;
        Relation index = index_open(table.indexes[i], RowExclusiveLock);
        const IndexInfo *info = table.index_info[i];
        // Read anew: CREATE INDEX CONCURRENTLY makes an index ready without locking us out.
        if (index->rd_index->indisready) {
            Datum key[INDEX_MAX_KEYS];
            bool key_null[INDEX_MAX_KEYS];
            for (int k = 0; k < info->ii_NumIndexAttrs; ++k) {
                AttrNumber attnum = info->ii_IndexAttrNumbers[k];
                key[k] = values[attnum - 1];
                key_null[k] = nulls[attnum - 1];
            }
            index_insert(index, key, key_null, &row->t_self, rel,
                         index->rd_index->indisunique ? UNIQUE_CHECK_YES : UNIQUE_CHECK_NO, false,
                         const_cast<IndexInfo *>(info));
        }
        index_close(index, NoLock);
    }
    heap_freetuple(row);
    pfree(values);
    pfree(nulls);
}

void history_insert_statement(const Datum *context, const bool *context_null) {
    Oid owner = profiles_owner();
    spi_connect();
    Oid types[8] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID, JSONBOID};
    SPIPlanPtr plan = saved_plan(&insert_plan, kInsertSql, 8, types);
    char nulls[8];
    for (int i = 0; i < 8; ++i)
        nulls[i] = context_null[i] ? 'n' : ' ';
    // The writer may be any role the owner let write the table; the history is the owner's.
    UserSwitch saved = switch_user(owner);
    spi_execute(plan, const_cast<Datum *>(context), nulls, SPI_OK_INSERT, "claims history insert");
    switch_back(saved);
    SPI_finish();
}

}  // namespace

void history_record(text *kinde_id, const ProfileRow &before, const ProfileRow &after) {
    // A COPY into kinde_claims.profiles itself is what pg_restore runs: the rows come back with
    // their history, which the dump carries too. A COPY into an app table whose trigger writes
    // profiles is a change like any other.
    if (copy_from_into(profiles_catalog().profiles))
        return;
    Oid relid = history_table_oid();
    if (!OidIsValid(relid))
        return;
    const HistorySource *source = current_source;
    text *event_id = source ? source->event_id : nullptr;
    text *app_table = source && OidIsValid(source->app_table) ? app_table_name(source->app_table) : nullptr;
    text *actor = role_name(acting_role());
    text *jwt = jwt_role();
    // In the order of kInsertSql's parameters.
    const Datum context[8] = {PointerGetDatum(kinde_id),
                              CStringGetTextDatum(source ? source->source : "sql"),
                              PointerGetDatum(event_id),
                              PointerGetDatum(app_table),
                              PointerGetDatum(actor),
                              PointerGetDatum(jwt),
                              JsonbPGetDatum(token_claims_build(before.lifetime_subscriber, before.claims)),
                              JsonbPGetDatum(token_claims_build(after.lifetime_subscriber, after.claims))};
    const bool context_null[8] = {
        false, false, event_id == nullptr, app_table == nullptr, false, jwt == nullptr, false, false};

    Relation rel = table_open(relid, RowExclusiveLock);
    const HistoryTable &table = history_table(rel);
    bool direct = table.direct;
    if (direct)
        history_insert_direct(rel, table, context, context_null);
    table_close(rel, NoLock);
    if (!direct)
        history_insert_statement(context, context_null);
}

void history_record_query(Oid written_table, SPIPlanPtr *cache, const char *sql, int nargs, Oid *types,
                          Datum *values, const char *nulls) {
    // Not for pg_restore's COPY into the written table itself (see history_record).
    if (copy_from_into(written_table) || !OidIsValid(history_table_oid()))
        return;
    constexpr int kContext = 5;
    const HistorySource *source = current_source;
    text *event_id = source ? source->event_id : nullptr;
    text *app_table = source && OidIsValid(source->app_table) ? app_table_name(source->app_table) : nullptr;
    text *actor = role_name(acting_role());
    text *jwt = jwt_role();
    Oid owner = profiles_owner();

    Oid all_types[kContext + 8] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
    Datum all_values[kContext + 8] = {CStringGetTextDatum(source ? source->source : "sql"),
                                      PointerGetDatum(event_id), PointerGetDatum(app_table),
                                      PointerGetDatum(actor), PointerGetDatum(jwt)};
    char all_nulls[kContext + 8] = {' ', event_id ? ' ' : 'n', app_table ? ' ' : 'n', ' ', jwt ? ' ' : 'n'};
    Assert(nargs <= 8);
    for (int i = 0; i < nargs; ++i) {
        all_types[kContext + i] = types[i];
        all_values[kContext + i] = values[i];
        all_nulls[kContext + i] = nulls[i];
    }
    spi_connect();
    SPIPlanPtr plan = saved_plan(cache, sql, kContext + nargs, all_types);
    UserSwitch saved = switch_user(owner);
    spi_execute(plan, all_values, all_nulls, SPI_OK_INSERT, "claims history insert");
    switch_back(saved);
    SPI_finish();
}

}  // namespace kinde_claims
