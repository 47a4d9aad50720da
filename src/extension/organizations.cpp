// The write functions of organizations and memberships (0.6.0): kinde_organization_upsert,
// kinde_organization_delete, kinde_membership_upsert and kinde_membership_delete, and the writes
// kinde_webhook_apply makes when it follows Kinde. Each is one statement on its table; the row
// triggers (organization_triggers.cpp) check it and keep members' tokens (member_tokens.cpp).
#include "member_tokens.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
}

namespace kinde_claims {
namespace {

constexpr const char *kOrganizationUpsertSql =
    "INSERT INTO kinde_claims.organizations AS o (org_code, claims) "
    "VALUES ($1, COALESCE($2, '{}'::pg_catalog.jsonb)) ON CONFLICT (org_code) DO UPDATE SET "
    "claims = COALESCE($2, o.claims), "
    "updated_at = CASE WHEN COALESCE($2, o.claims) OPERATOR(pg_catalog.=) o.claims THEN o.updated_at "
    "ELSE pg_catalog.now() END RETURNING o.claims";
constexpr const char *kOrganizationLockSql =
    "SELECT 1 FROM kinde_claims.organizations o WHERE o.org_code OPERATOR(pg_catalog.=) $1 FOR UPDATE OF o";
constexpr const char *kOrganizationMembershipsDeleteSql =
    "DELETE FROM kinde_claims.memberships m WHERE m.org_code OPERATOR(pg_catalog.=) $1";
constexpr const char *kOrganizationDeleteSql =
    "DELETE FROM kinde_claims.organizations o WHERE o.org_code OPERATOR(pg_catalog.=) $1";
constexpr const char *kMembershipUpsertSql =
    "INSERT INTO kinde_claims.memberships AS m (kinde_id, org_code, claims) "
    "VALUES ($1, $2, COALESCE($3, '{}'::pg_catalog.jsonb)) ON CONFLICT (kinde_id, org_code) DO UPDATE SET "
    "claims = COALESCE($3, m.claims), "
    "updated_at = CASE WHEN COALESCE($3, m.claims) OPERATOR(pg_catalog.=) m.claims THEN m.updated_at "
    "ELSE pg_catalog.now() END RETURNING m.claims";
constexpr const char *kMembershipsRetainSql =
    "DELETE FROM kinde_claims.memberships m WHERE m.kinde_id OPERATOR(pg_catalog.=) $1 "
    "AND ($2::pg_catalog.text[] IS NULL OR m.org_code OPERATOR(pg_catalog.<>) ALL ($2))";
constexpr const char *kMembershipEnsureSql =
    "INSERT INTO kinde_claims.memberships (kinde_id, org_code) VALUES ($1, $2) "
    "ON CONFLICT (kinde_id, org_code) DO NOTHING";
constexpr const char *kMembershipDeleteSql =
    "DELETE FROM kinde_claims.memberships m "
    "WHERE m.kinde_id OPERATOR(pg_catalog.=) $1 AND m.org_code OPERATOR(pg_catalog.=) $2";

SPIPlanPtr organization_upsert_plan, organization_lock_plan, organization_memberships_delete_plan,
    organization_delete_plan, membership_upsert_plan, membership_delete_plan, memberships_retain_plan,
    membership_ensure_plan;

// The claims a RETURNING statement gave ({} for NULL), copied into the caller's memory context.
Jsonb *copy_result_claims(MemoryContext caller_context) {
    bool isnull;
    Datum claims = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
    MemoryContext spi_context = MemoryContextSwitchTo(caller_context);
    Jsonb *result = isnull ? empty_object() : DatumGetJsonbPCopy(claims);
    MemoryContextSwitchTo(spi_context);
    return result;
}

Jsonb *organization_upsert(text *org_code, NullableDatum claims) {
    MemoryContext caller_context = CurrentMemoryContext;
    Oid types[2] = {TEXTOID, JSONBOID};
    Datum values[2] = {PointerGetDatum(org_code), claims.value};
    char nulls[2] = {' ', claims.isnull ? 'n' : ' '};
    spi_connect();
    HistorySource *source = history_source_push("upsert");
    run(&organization_upsert_plan, kOrganizationUpsertSql, 2, types, values, nulls, SPI_OK_INSERT_RETURNING);
    history_source_pop(source);
    Jsonb *result = copy_result_claims(caller_context);
    SPI_finish();
    return result;
}

Jsonb *membership_upsert(text *kinde_id, text *org_code, NullableDatum claims) {
    MemoryContext caller_context = CurrentMemoryContext;
    lock_membership_parents_for_insert(kinde_id, org_code);
    Oid types[3] = {TEXTOID, TEXTOID, JSONBOID};
    Datum values[3] = {PointerGetDatum(kinde_id), PointerGetDatum(org_code), claims.value};
    char nulls[3] = {' ', ' ', claims.isnull ? 'n' : ' '};
    spi_connect();
    HistorySource *source = history_source_push("upsert");
    // The latest committed row: an organization's or a user's write may have rewritten its token
    // since a REPEATABLE READ snapshot was taken, and its parents' locks now keep them still.
    run_latest(&membership_upsert_plan, kMembershipUpsertSql, 3, types, values, nulls,
               SPI_OK_INSERT_RETURNING);
    parents_lock_forget();
    history_source_pop(source);
    Jsonb *result = copy_result_claims(caller_context);
    SPI_finish();
    return result;
}

bool membership_delete(text *kinde_id, text *org_code) {
    Oid types[2] = {TEXTOID, TEXTOID};
    Datum values[2] = {PointerGetDatum(kinde_id), PointerGetDatum(org_code)};
    spi_connect();
    HistorySource *source = history_source_push("delete");
    bool deleted = run_latest(&membership_delete_plan, kMembershipDeleteSql, 2, types, values, nullptr,
                              SPI_OK_DELETE) > 0;
    history_source_pop(source);
    SPI_finish();
    return deleted;
}

}  // namespace

bool organization_delete(text *org_code) {
    Oid types[1] = {TEXTOID};
    Datum values[1] = {PointerGetDatum(org_code)};
    spi_connect();
    // The history source is the caller's: "delete" from kinde_organization_delete, "webhook" with
    // its event_id from kinde_webhook_apply.
    // The organization first: a membership write waiting on it finds it gone and creates it again
    // after this commits, rather than adding a member to an organization being deleted.
    run(&organization_lock_plan, kOrganizationLockSql, 1, types, values, nullptr, SPI_OK_SELECT);
    // Members' history while the organization's claims are still there to show.
    run(&organization_memberships_delete_plan, kOrganizationMembershipsDeleteSql, 1, types, values, nullptr,
        SPI_OK_DELETE);
    bool deleted =
        run(&organization_delete_plan, kOrganizationDeleteSql, 1, types, values, nullptr, SPI_OK_DELETE) > 0;
    SPI_finish();
    return deleted;
}

void membership_ensure(text *kinde_id, text *org_code) {
    lock_membership_parents_for_insert(kinde_id, org_code);
    Oid types[2] = {TEXTOID, TEXTOID};
    Datum values[2] = {PointerGetDatum(kinde_id), PointerGetDatum(org_code)};
    spi_connect();
    run_latest(&membership_ensure_plan, kMembershipEnsureSql, 2, types, values, nullptr, SPI_OK_INSERT);
    parents_lock_forget();
    SPI_finish();
}

void memberships_retain(text *kinde_id, ArrayType *keep) {
    Oid types[2] = {TEXTOID, TEXTARRAYOID};
    Datum values[2] = {PointerGetDatum(kinde_id), PointerGetDatum(keep)};
    char nulls[2] = {' ', keep ? ' ' : 'n'};
    spi_connect();
    run_latest(&memberships_retain_plan, kMembershipsRetainSql, 2, types, values, nulls, SPI_OK_DELETE);
    SPI_finish();
}

}  // namespace kinde_claims

KC_FUNCTION(kinde_organization_upsert) {
    text *org_code = kinde_claims::org_code_argument(fcinfo, 0);
    if (!PG_ARGISNULL(1))
        kinde_claims::claims_check(PG_GETARG_JSONB_P(1));
    PG_RETURN_JSONB_P(kinde_claims::organization_upsert(org_code, fcinfo->args[1]));
}

KC_FUNCTION(kinde_organization_delete) {
    text *org_code = kinde_claims::org_code_argument(fcinfo, 0);
    kinde_claims::HistorySource *source = kinde_claims::history_source_push("delete");
    bool deleted = kinde_claims::organization_delete(org_code);
    kinde_claims::history_source_pop(source);
    PG_RETURN_BOOL(deleted);
}

KC_FUNCTION(kinde_membership_upsert) {
    text *kinde_id = kinde_claims::kinde_id_argument(fcinfo, 0);
    text *org_code = kinde_claims::org_code_argument(fcinfo, 1);
    if (!PG_ARGISNULL(2))
        kinde_claims::claims_check(PG_GETARG_JSONB_P(2));
    PG_RETURN_JSONB_P(kinde_claims::membership_upsert(kinde_id, org_code, fcinfo->args[2]));
}

KC_FUNCTION(kinde_membership_delete) {
    text *kinde_id = kinde_claims::kinde_id_argument(fcinfo, 0);
    text *org_code = kinde_claims::org_code_argument(fcinfo, 1);
    PG_RETURN_BOOL(kinde_claims::membership_delete(kinde_id, org_code));
}
