// kinde_profile_upsert(kinde_id, lifetime_subscriber DEFAULT NULL, claims DEFAULT NULL) RETURNS jsonb
// One INSERT ... ON CONFLICT, so concurrent first logins of one user leave exactly one row.
// A NULL argument keeps that field (defaults for a new row); the row trigger enforces the rules.
#include "kinde_claims.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
}

namespace kinde_claims {
namespace {

constexpr const char *kUpsertSql =
    "INSERT INTO kinde_claims.profiles AS p (kinde_id, lifetime_subscriber, claims) "
    "VALUES ($1, COALESCE($2, false), COALESCE($3, '{}'::pg_catalog.jsonb)) "
    "ON CONFLICT (kinde_id) DO UPDATE SET "
    "lifetime_subscriber = COALESCE($2, p.lifetime_subscriber), claims = COALESCE($3, p.claims) "
    "RETURNING p.lifetime_subscriber, p.claims";

SPIPlanPtr upsert_plan;

Jsonb *profile_upsert(text *kinde_id, NullableDatum lifetime_subscriber, NullableDatum claims) {
    MemoryContext caller_context = CurrentMemoryContext;
    spi_connect();
    Oid types[3] = {TEXTOID, BOOLOID, JSONBOID};
    SPIPlanPtr plan = saved_plan(&upsert_plan, kUpsertSql, 3, types);
    Datum values[3] = {PointerGetDatum(kinde_id), lifetime_subscriber.value, claims.value};
    char nulls[3] = {' ', lifetime_subscriber.isnull ? 'n' : ' ', claims.isnull ? 'n' : ' '};
    HistorySource *source = history_source_push("upsert");
    uint64 rows = spi_execute(plan, values, nulls, SPI_OK_INSERT_RETURNING, "profile upsert");
    history_source_pop(source);
    if (rows != 1)
        elog(ERROR, "profile upsert returned %llu rows", static_cast<unsigned long long>(rows));

    HeapTuple row = SPI_tuptable->vals[0];
    TupleDesc desc = SPI_tuptable->tupdesc;
    bool isnull;
    bool subscriber = DatumGetBool(SPI_getbinval(row, desc, 1, &isnull));
    Datum stored_claims = SPI_getbinval(row, desc, 2, &isnull);
    MemoryContextSwitchTo(caller_context);
    Jsonb *result = token_claims_build(subscriber, isnull ? nullptr : DatumGetJsonbP(stored_claims));
    SPI_finish();
    return result;
}

}  // namespace
}  // namespace kinde_claims

KC_FUNCTION(kinde_profile_upsert) {
    text *kinde_id = kinde_claims::kinde_id_argument(fcinfo, 0);
    // The row trigger checks again; checking here first keeps the statement out of the error.
    if (!PG_ARGISNULL(2))
        kinde_claims::claims_check(PG_GETARG_JSONB_P(2));
    PG_RETURN_JSONB_P(kinde_claims::profile_upsert(kinde_id, fcinfo->args[1], fcinfo->args[2]));
}
