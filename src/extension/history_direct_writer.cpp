// The direct writer of the claims history (history_direct_writer.hpp). A profile's entry is the
// hot path of every recorded write, and an INSERT statement costs about four times the row: the
// executor builds its plan state, opens and describes every index and plans a partial index's
// predicate anew each time. So when the table is exactly as the extension made it (no trigger,
// rule, CHECK, generated or unknown column, btree indexes on plain columns, partial only on IS
// [NOT] NULL tests of columns, checked against each entry), the row goes straight into the heap
// and its indexes; else through the INSERT statement, which honours whatever was added.
// It bypasses the executor, so its only guards are columns_known and index_known: bench/ablate
// turns it off (KC_ABLATE_HISTORY_DIRECT) to show what it still saves (bench/results/ablation.md).
#include "history_direct_writer.hpp"

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
#include "nodes/execnodes.h"
#include "nodes/primnodes.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/timestamp.h"
}

namespace kinde_claims {
namespace {

#ifndef KC_ABLATE_HISTORY_DIRECT
constexpr bool kDirectWrites = true;
#else
constexpr bool kDirectWrites = false;  // bench/ablate: every entry through the INSERT statement
#endif

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

// The row of one profile's entry, straight into the heap and each index, as the INSERT statement
// would put it there (the same locks, the identity sequence, clock_timestamp() for changed_at).
// The history is the owner's; a direct write checks no privilege, so the writer needs none.
void insert_row(Relation rel, const HistoryTable &table, const Datum *context, const bool *context_null) {
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

}  // namespace

// A database still at an older version (this library installed, ALTER EXTENSION ... UPDATE not
// run yet) has no history table: its writes go on, and the history starts with the update.
Oid history_table_oid() {
    if (history_table_valid)
        return history_table_cache.relid;
    Oid schema = get_namespace_oid("kinde_claims", true);
    return OidIsValid(schema) ? get_relname_relid("claims_history", schema) : InvalidOid;
}

bool history_insert_direct(Oid relid, const Datum *context, const bool *context_null) {
    Relation rel = table_open(relid, RowExclusiveLock);
    const HistoryTable &table = history_table(rel);
    bool direct = kDirectWrites && table.direct;
    if (direct)
        insert_row(rel, table, context, context_null);
    table_close(rel, NoLock);
    return direct;
}

void history_direct_writer_register_invalidation() {
    CacheRegisterRelcacheCallback(forget_history_table, 0);
}

}  // namespace kinde_claims
