// kinde_claims_import(source regclass) RETURNS bigint: brings the tutorial's
// profiles (id, kinde_id, lifetime_subscriber) table into kinde_claims.profiles.
// The source is read as the caller (SECURITY INVOKER), so the caller's own SELECT privilege and
// row-level security decide what is read; only the write into kinde_claims.profiles runs as that
// table's owner, the way foreign-key checks switch to the referenced table's owner.
// Row-level security that applies to the caller on the source (or a table behind a view) is
// refused with 42501: it would import a subset in silence, and the next step drops the source.
// Duplicate ids collapse (a subscriber if any row says so); invalid ids are skipped and reported.
// It never takes lifetime_subscriber away and never touches claims, so a second run changes
// nothing. Returns how many profiles it created or turned into subscribers.
#include "kinde_claims.hpp"

#include <string>

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "utils/plancache.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rls.h"
#include "utils/syscache.h"
}

namespace kinde_claims {
namespace {

constexpr long kBatchRows = 1000;
constexpr int kInvalidExamples = 5;
constexpr const char *kSourceHint =
    "kinde_claims_import reads a table shaped like the tutorial's profiles: a kinde_id text column and a "
    "lifetime_subscriber boolean column.";

// Every distinct id, with whether any of its rows is a subscriber and how many rows it has.
// NULLs first, then byte order, so the examples of invalid ids are the same on every run.
constexpr const char *kReadSql =
    "SELECT s.kinde_id, pg_catalog.bool_or(s.lifetime_subscriber), pg_catalog.count(*) "
    "FROM (SELECT \"kinde_id\"::pg_catalog.text COLLATE pg_catalog.\"C\" AS kinde_id, "
    "\"lifetime_subscriber\"::pg_catalog.bool AS lifetime_subscriber FROM %s) AS s "
    "GROUP BY s.kinde_id ORDER BY s.kinde_id NULLS FIRST";

// Creates missing profiles and turns existing ones into subscribers; touches nothing else.
constexpr const char *kWriteSql =
    "INSERT INTO kinde_claims.profiles AS p (kinde_id, lifetime_subscriber) "
    "SELECT u.kinde_id, u.lifetime_subscriber "
    "FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS u (kinde_id, lifetime_subscriber) "
    "ON CONFLICT (kinde_id) DO UPDATE SET lifetime_subscriber = true "
    "WHERE EXCLUDED.lifetime_subscriber AND NOT p.lifetime_subscriber";

SPIPlanPtr write_plan;

char *source_name(Oid source) {
    return quote_qualified_identifier(get_namespace_name(get_rel_namespace(source)), get_rel_name(source));
}

void source_check(Oid source) {
    char relkind = get_rel_relkind(source);
    if (relkind == '\0')
        throw pg::Error(ERRCODE_UNDEFINED_TABLE, psprintf("relation with OID %u does not exist", source));
    if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE && relkind != RELKIND_VIEW &&
        relkind != RELKIND_MATVIEW && relkind != RELKIND_FOREIGN_TABLE)
        throw pg::Error(ERRCODE_WRONG_OBJECT_TYPE,
                        psprintf("\"%s\" is not a table or view", source_name(source)), {}, kSourceHint);

    struct Wanted {
        const char *column;
        const char *type_name;
        Oid types[2];
    };
    const Wanted wanted[2] = {{"kinde_id", "text", {TEXTOID, VARCHAROID}},
                              {"lifetime_subscriber", "boolean", {BOOLOID, BOOLOID}}};
    for (const Wanted &column : wanted) {
        AttrNumber attnum = get_attnum(source, column.column);
        if (attnum <= 0)
            throw pg::Error(
                ERRCODE_UNDEFINED_COLUMN,
                psprintf("source table %s has no column \"%s\"", source_name(source), column.column), {},
                kSourceHint);
        Oid type = get_atttype(source, attnum);
        Oid base_type = getBaseType(type);
        if (base_type != column.types[0] && base_type != column.types[1])
            throw pg::Error(ERRCODE_DATATYPE_MISMATCH,
                            psprintf("column \"%s\" of source table %s has type %s, not %s", column.column,
                                     source_name(source), format_type_be(type), column.type_name),
                            {}, kSourceHint);
    }
}

// Writes one batch of valid, distinct ids as the owner of kinde_claims.profiles.
uint64 profiles_import(Oid owner, Datum kinde_ids, Datum lifetime_subscribers) {
    Oid types[2] = {TEXTARRAYOID, BOOLARRAYOID};
    SPIPlanPtr plan = saved_plan(&write_plan, kWriteSql, 2, types);
    // An error here aborts the (sub)transaction, which restores the caller's user id.
    UserSwitch saved = switch_user(owner);
    Datum values[2] = {kinde_ids, lifetime_subscribers};
    HistorySource *source = history_source_push("import");
    uint64 written = spi_execute(plan, values, nullptr, SPI_OK_INSERT, "profile import");
    history_source_pop(source);
    switch_back(saved);
    return written;
}

// Skipped rows, and the first few distinct values (the StringInfo stays in the caller's context).
struct InvalidIds {
    int64 rows = 0;
    int64 values = 0;
    StringInfoData examples;
};

void invalid_id_note(InvalidIds *invalid, bool isnull, text *kinde_id, int64 rows) {
    invalid->rows += rows;
    if (invalid->values++ >= kInvalidExamples)
        return;
    if (invalid->examples.len > 0)
        appendStringInfoString(&invalid->examples, ", ");
    if (isnull) {
        appendStringInfoString(&invalid->examples, "NULL");
        return;
    }
    std::string quoted = rules::quote_for_message(text_view(kinde_id));
    pg::call([&] { appendStringInfoString(&invalid->examples, quoted.c_str()); });
}

int64 claims_import(Oid source) {
    source_check(source);
    Oid owner = profiles_owner();
    InvalidIds invalid;
    initStringInfo(&invalid.examples);
    int64 imported = 0;

    char *read_sql = psprintf(kReadSql, source_name(source));
    spi_connect();
    SPIPlanPtr read_plan = SPI_prepare(read_sql, 0, nullptr);
    if (!read_plan)
        elog(ERROR, "could not prepare the read of %s: %s", source_name(source),
             SPI_result_code_string(SPI_result));
    row_security_check(source, read_plan, "kinde_claims_import", "import that subset as if it were all");
    Portal portal = SPI_cursor_open(nullptr, read_plan, nullptr, nullptr, false);
    MemoryContext batch_context =
        AllocSetContextCreate(CurrentMemoryContext, "kinde_claims_import batch", ALLOCSET_DEFAULT_SIZES);
    for (;;) {
        SPI_cursor_fetch(portal, true, kBatchRows);
        uint64 rows = SPI_processed;
        if (rows == 0)
            break;
        SPITupleTable *batch = SPI_tuptable;
        MemoryContext spi_context = MemoryContextSwitchTo(batch_context);
        auto *kinde_ids = static_cast<Datum *>(palloc(sizeof(Datum) * rows));
        auto *subscribers = static_cast<Datum *>(palloc(sizeof(Datum) * rows));
        int valid = 0;
        for (uint64 i = 0; i < rows; ++i) {
            bool id_null, subscriber_null, count_null;
            Datum id = SPI_getbinval(batch->vals[i], batch->tupdesc, 1, &id_null);
            Datum subscriber = SPI_getbinval(batch->vals[i], batch->tupdesc, 2, &subscriber_null);
            int64 count = DatumGetInt64(SPI_getbinval(batch->vals[i], batch->tupdesc, 3, &count_null));
            text *kinde_id = id_null ? nullptr : DatumGetTextPP(id);
            if (id_null || rules::check_kinde_id(text_view(kinde_id))) {
                invalid_id_note(&invalid, id_null, kinde_id, count);
                continue;
            }
            kinde_ids[valid] = PointerGetDatum(kinde_id);
            subscribers[valid] = BoolGetDatum(!subscriber_null && DatumGetBool(subscriber));
            ++valid;
        }
        Datum id_array = PointerGetDatum(construct_array(kinde_ids, valid, TEXTOID, -1, false, TYPALIGN_INT));
        Datum subscriber_array =
            PointerGetDatum(construct_array(subscribers, valid, BOOLOID, 1, true, TYPALIGN_CHAR));
        MemoryContextSwitchTo(spi_context);
        SPI_freetuptable(batch);
        if (valid > 0)
            imported += static_cast<int64>(profiles_import(owner, id_array, subscriber_array));
        MemoryContextReset(batch_context);
    }
    SPI_cursor_close(portal);
    SPI_finish();

    if (invalid.rows > 0)
        ereport(
            NOTICE,
            (errmsg_plural(
                 "kinde_claims_import skipped %lld row whose kinde_id is not a valid Kinde user id",
                 "kinde_claims_import skipped %lld rows whose kinde_id is not a valid Kinde user id",
                 invalid.rows, static_cast<long long>(invalid.rows)),
             invalid.values > kInvalidExamples
                 ? errdetail("%lld distinct values; the first %d in sort order: %s.",
                             static_cast<long long>(invalid.values), kInvalidExamples, invalid.examples.data)
                 : errdetail_plural("%lld distinct value: %s.", "%lld distinct values: %s.", invalid.values,
                                    static_cast<long long>(invalid.values), invalid.examples.data),
             errhint("A Kinde user id is \"kp_\" followed by 1 to 64 letters or digits.")));
    return imported;
}

}  // namespace

// Finds a table whose row-level security policies were applied to this query: the rewriter
// puts them in the range table entry's securityQuals, and only for a role they apply to.
namespace {

bool row_security_walker(Node *node, void *context) {
    if (node == nullptr)
        return false;
    if (IsA(node, RangeTblEntry)) {
        auto *entry = reinterpret_cast<RangeTblEntry *>(node);
        if (entry->rtekind == RTE_RELATION && entry->securityQuals != NIL) {
            *static_cast<Oid *>(context) = entry->relid;
            return true;
        }
        return false;
    }
    // PG 15's walkers take an old-style function pointer; the cast through void (*)() is the
    // form GCC accepts without a cast-function-type warning.
    auto walker = reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(row_security_walker));
    if (IsA(node, Query))
        return query_tree_walker(reinterpret_cast<Query *>(node), walker, context, QTW_EXAMINE_RTES_BEFORE);
    return expression_tree_walker(node, walker, context);
}

// The 42501 of row_security_check and table_read_check: row-level security on `filtered` applies
// to the current role, so `function` would read a subset of `source`.
[[noreturn]] void row_security_refuse(Oid filtered, Oid source, const char *function, const char *consequence) {
    char *table = source_name(filtered);
    const char *role = GetUserNameFromId(GetUserId(), false);
    throw pg::Error(ERRCODE_INSUFFICIENT_PRIVILEGE,
                    psprintf("row-level security on %s applies to role \"%s\"", table, role),
                    psprintf("%s would read only the rows of %s that the policies show this role, and %s.",
                             function, source_name(source), consequence),
                    psprintf("Run it as a role row-level security does not apply to: the owner of %s "
                             "(unless it forces row-level security), a role with BYPASSRLS, or a superuser.",
                             table));
}

}  // namespace

void row_security_check(Oid source, SPIPlanPtr plan, const char *function, const char *consequence) {
    Oid filtered = InvalidOid;
    ListCell *cell;
    foreach (cell, SPI_plan_get_plan_sources(plan)) {
        auto *plan_source = static_cast<CachedPlanSource *>(lfirst(cell));
        ListCell *query;
        foreach (query, plan_source->query_list)
            if (row_security_walker(static_cast<Node *>(lfirst(query)), &filtered))
                break;
    }
    if (filtered == InvalidOid)
        return;
    row_security_refuse(filtered, source, function, consequence);
}

void table_read_check(Oid relid, const char *function, const char *consequence) {
    Oid role = GetUserId();
    if (pg_class_aclcheck(relid, role, ACL_SELECT) != ACLCHECK_OK &&
        pg_attribute_aclcheck_all(relid, role, ACL_SELECT, ACLMASK_ALL) != ACLCHECK_OK)
        throw pg::Error(ERRCODE_INSUFFICIENT_PRIVILEGE, psprintf("permission denied for table %s", get_rel_name(relid)));
    if (check_enable_rls(relid, InvalidOid, true) == RLS_ENABLED)
        row_security_refuse(relid, relid, function, consequence);
}

}  // namespace kinde_claims

KC_FUNCTION(kinde_claims_import) {
    if (PG_ARGISNULL(0))
        throw kinde_claims::pg::Error(ERRCODE_NULL_VALUE_NOT_ALLOWED, "source table must not be null");
    PG_RETURN_INT64(kinde_claims::claims_import(PG_GETARG_OID(0)));
}
