// A member's token (organizations.hpp tells the whole design): the merged-size guarantee, the
// locks on a membership's parents, the stored tokens' rewrite, and the history entries of
// members' tokens. Every SQL spelling of the merge rule (user || organization || membership,
// with the user's lifetime_subscriber) is in this file.
#include "organizations.hpp"
#include "transaction_local.hpp"

#include <string>

extern "C" {
#include "access/genam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
}

namespace kinde_claims {
namespace {

// Bytes of a part's JSON text as the claims rules count them; {} and a missing part count 0.
#define KC_PART_BYTES(x)                                                                                \
    "CASE WHEN " x " IS NULL OR " x " OPERATOR(pg_catalog.=) '{}'::pg_catalog.jsonb THEN 0 "           \
    "ELSE pg_catalog.octet_length(CAST(" x " AS pg_catalog.text)) END"

#define KC_MERGED_BYTES_SELECT                                                                          \
    "SELECT m.kinde_id, m.org_code, (" KC_PART_BYTES("p.claims") ") OPERATOR(pg_catalog.+) ("          \
    KC_PART_BYTES("o.claims") ") OPERATOR(pg_catalog.+) (" KC_PART_BYTES("m.claims") ") AS bytes "     \
    "FROM kinde_claims.memberships m "                                                                  \
    "LEFT JOIN kinde_claims.profiles p ON p.kinde_id OPERATOR(pg_catalog.=) m.kinde_id "                \
    "LEFT JOIN kinde_claims.organizations o ON o.org_code OPERATOR(pg_catalog.=) m.org_code "

#define KC_LARGEST " ORDER BY bytes DESC, m.kinde_id, m.org_code LIMIT 1"

constexpr const char *kLockUserMembershipsSql =
    "SELECT 1 FROM kinde_claims.memberships m WHERE m.kinde_id OPERATOR(pg_catalog.=) $1 "
    "ORDER BY m.org_code FOR NO KEY UPDATE OF m";
constexpr const char *kLockOrganizationMembershipsSql =
    "SELECT 1 FROM kinde_claims.memberships m WHERE m.org_code OPERATOR(pg_catalog.=) $1 "
    "ORDER BY m.kinde_id FOR NO KEY UPDATE OF m";
constexpr const char *kUserLargestSql =
    KC_MERGED_BYTES_SELECT "WHERE m.kinde_id OPERATOR(pg_catalog.=) $1" KC_LARGEST;
constexpr const char *kOrganizationLargestSql =
    KC_MERGED_BYTES_SELECT "WHERE m.org_code OPERATOR(pg_catalog.=) $1" KC_LARGEST;
constexpr const char *kMembershipLargestSql =
    KC_MERGED_BYTES_SELECT
    "WHERE m.kinde_id OPERATOR(pg_catalog.=) $1 AND m.org_code OPERATOR(pg_catalog.=) $2" KC_LARGEST;

// A membership's parents exist and are share-locked before the membership is written.
constexpr const char *kEnsureOrganizationSql =
    "INSERT INTO kinde_claims.organizations (org_code) VALUES ($1) ON CONFLICT (org_code) DO NOTHING";
constexpr const char *kEnsureProfileSql =
    "INSERT INTO kinde_claims.profiles (kinde_id) VALUES ($1) ON CONFLICT (kinde_id) DO NOTHING";
constexpr const char *kLockParentsSql =
    "SELECT 1 FROM kinde_claims.organizations o, kinde_claims.profiles p "
    "WHERE o.org_code OPERATOR(pg_catalog.=) $2 AND p.kinde_id OPERATOR(pg_catalog.=) $1 FOR SHARE OF o, p";

// The token object of a member in SQL: user || organization || membership, with the flag.
#define KC_FLAG                                                                                         \
    "pg_catalog.jsonb_build_object('lifetime_subscriber', COALESCE(p.lifetime_subscriber, false))"
#define KC_CONCAT " OPERATOR(pg_catalog.||) "
#define KC_USER "COALESCE(p.claims, '{}'::pg_catalog.jsonb)"

// An organization's claims changed from $7 to $8: one entry per member whose token changed.
constexpr const char *kOrganizationHistorySql =
    "INSERT INTO kinde_claims.claims_history "
    "(kinde_id, org_code, source, event_id, app_table, actor, jwt_role, old_claims, new_claims) "
    "SELECT t.kinde_id, $6, $1, $2, $3, $4, $5, t.old_claims, t.new_claims FROM ("
    "SELECT m.kinde_id, " KC_USER KC_CONCAT "$7" KC_CONCAT "m.claims" KC_CONCAT KC_FLAG " AS old_claims, "
    KC_USER KC_CONCAT "$8" KC_CONCAT "m.claims" KC_CONCAT KC_FLAG " AS new_claims "
    "FROM kinde_claims.memberships m "
    "LEFT JOIN kinde_claims.profiles p ON p.kinde_id OPERATOR(pg_catalog.=) m.kinde_id "
    "WHERE m.org_code OPERATOR(pg_catalog.=) $6) t "
    "WHERE t.old_claims OPERATOR(pg_catalog.<>) t.new_claims ORDER BY t.kinde_id";

// A membership ($6, $7) changed from $8 to $9 (NULL: no membership, the user-only token).
#define KC_MEMBER_TOKEN(x)                                                                              \
    "CASE WHEN " x " IS NULL THEN " KC_USER " ELSE " KC_USER KC_CONCAT                                  \
    "COALESCE(o.claims, '{}'::pg_catalog.jsonb)" KC_CONCAT x " END" KC_CONCAT KC_FLAG
constexpr const char *kMembershipHistorySql =
    "INSERT INTO kinde_claims.claims_history "
    "(kinde_id, org_code, source, event_id, app_table, actor, jwt_role, old_claims, new_claims) "
    "SELECT $6, $7, $1, $2, $3, $4, $5, t.old_claims, t.new_claims FROM ("
    "SELECT " KC_MEMBER_TOKEN("$8::pg_catalog.jsonb") " AS old_claims, "
    KC_MEMBER_TOKEN("$9::pg_catalog.jsonb") " AS new_claims "
    "FROM (SELECT) one "
    "LEFT JOIN kinde_claims.profiles p ON p.kinde_id OPERATOR(pg_catalog.=) $6 "
    "LEFT JOIN kinde_claims.organizations o ON o.org_code OPERATOR(pg_catalog.=) $7) t "
    "WHERE t.old_claims OPERATOR(pg_catalog.<>) t.new_claims";

// A member's token in SQL, for the row m of memberships: what kinde_claims_for returns for it.
#define KC_TOKEN_OF_M                                                                                        \
    "(SELECT " KC_USER KC_CONCAT "COALESCE(o.claims, '{}'::pg_catalog.jsonb)" KC_CONCAT                      \
    "m.claims" KC_CONCAT KC_FLAG " FROM (SELECT) one "                                                       \
    "LEFT JOIN kinde_claims.profiles p ON p.kinde_id OPERATOR(pg_catalog.=) m.kinde_id "                     \
    "LEFT JOIN kinde_claims.organizations o ON o.org_code OPERATOR(pg_catalog.=) m.org_code)"
// The tokens of a user's or an organization's memberships, rewritten (their rows locked first).
constexpr const char *kUserTokensSql = "UPDATE kinde_claims.memberships m SET token = " KC_TOKEN_OF_M
                                       " WHERE m.kinde_id OPERATOR(pg_catalog.=) $1";
constexpr const char *kOrganizationTokensSql = "UPDATE kinde_claims.memberships m SET token = " KC_TOKEN_OF_M
                                               " WHERE m.org_code OPERATOR(pg_catalog.=) $1";
// A membership's own token, for its BEFORE trigger: its new claims are $3.
constexpr const char *kMembershipTokenSql =
    "SELECT " KC_USER KC_CONCAT "COALESCE(o.claims, '{}'::pg_catalog.jsonb)" KC_CONCAT
    "COALESCE($3, '{}'::pg_catalog.jsonb)" KC_CONCAT KC_FLAG " FROM (SELECT) one "
    "LEFT JOIN kinde_claims.profiles p ON p.kinde_id OPERATOR(pg_catalog.=) $1 "
    "LEFT JOIN kinde_claims.organizations o ON o.org_code OPERATOR(pg_catalog.=) $2";

SPIPlanPtr user_tokens_plan, organization_tokens_plan, membership_token_plan, lock_user_memberships_plan,
    lock_organization_memberships_plan, user_largest_plan, organization_largest_plan, membership_largest_plan,
    ensure_organization_plan, ensure_profile_plan, lock_parents_plan, organization_history_plan,
    membership_history_plan;

// While this (sub)transaction's token rewrite runs, the memberships BEFORE trigger keeps the
// token the rewrite computed (under its locks) instead of computing it again per row. Kept for
// the (sub)transaction so that an error inside the rewrite cannot leave it set for later writes.
TransactionLocal<bool> token_rewrite;

// Parents locked by a write function just before its own INSERT: its BEFORE trigger need not
// lock them again (the statement in between is that INSERT alone).
struct Parents {
    text *kinde_id;
    text *org_code;
};
TransactionLocal<Parents> parents_locked;

// What the largest merged size query found, copied out of SPI.
struct Largest {
    bool found;
    char *kinde_id;
    char *org_code;
    int64 bytes;
};

// Locks with `lock_sql` (when given) and rewrites the locked rows' tokens with `tokens_sql`
// (when given), then finds the largest merged size with `check_sql` (when given), all in the
// latest committed state. Only Postgres calls: no C++ object with a destructor is alive.
Largest merged_largest(SPIPlanPtr *lock_cache, const char *lock_sql, SPIPlanPtr *tokens_cache,
                       const char *tokens_sql, SPIPlanPtr *check_cache, const char *check_sql, int nargs,
                       Datum *values) {
    MemoryContext caller_context = CurrentMemoryContext;
    Oid types[2] = {TEXTOID, TEXTOID};
    Largest largest{false, nullptr, nullptr, 0};
    UserSwitch saved = switch_user(profiles_owner());
    spi_connect();
    if (lock_sql != nullptr &&
        run_latest(lock_cache, lock_sql, nargs, types, values, nullptr, SPI_OK_SELECT) == 0) {
        SPI_finish();
        switch_back(saved);
        return largest;
    }
    if (tokens_sql != nullptr) {
        TransactionLocal<bool> outer = token_rewrite;
        token_rewrite.set(true);
        run_latest(tokens_cache, tokens_sql, nargs, types, values, nullptr, SPI_OK_UPDATE);
        token_rewrite = outer;
    }
    if (check_sql == nullptr) {
        SPI_finish();
        switch_back(saved);
        return largest;
    }
    // The latest snapshot, as foreign keys check: a write that held a lock we waited for has
    // committed, and the statement's own snapshot may predate it (REPEATABLE READ too).
    if (run_latest(check_cache, check_sql, nargs, types, values, nullptr, SPI_OK_SELECT, 1) == 1) {
        HeapTuple row = SPI_tuptable->vals[0];
        TupleDesc desc = SPI_tuptable->tupdesc;
        MemoryContext spi_context = MemoryContextSwitchTo(caller_context);
        largest.found = true;
        largest.kinde_id = SPI_getvalue(row, desc, 1);
        largest.org_code = SPI_getvalue(row, desc, 2);
        MemoryContextSwitchTo(spi_context);
        bool isnull;
        largest.bytes = DatumGetInt64(SPI_getbinval(row, desc, 3, &isnull));
    }
    SPI_finish();
    switch_back(saved);
    return largest;
}

void refuse_if_too_large(const Largest &largest) {
    if (!largest.found || largest.bytes <= max_claims_bytes)
        return;
    throw pg::Error(ERRCODE_INVALID_PARAMETER_VALUE,
                    "claims are too large for the token of " + std::string(largest.kinde_id) + " in " +
                        largest.org_code + ": " + std::to_string(largest.bytes) + " bytes",
                    "A token for an organization carries the user's, the organization's and the "
                    "membership's claims together; their sizes add up to " +
                        std::to_string(largest.bytes) + " bytes and the limit is " +
                        std::to_string(max_claims_bytes) + " bytes (kinde_claims.max_claims_bytes).",
                    "Make one of the three smaller; an organization's claims reach every member.");
}

}  // namespace

void organization_members_changed(text *org_code, bool check_size) {
    Datum values[1] = {PointerGetDatum(org_code)};
    refuse_if_too_large(merged_largest(&lock_organization_memberships_plan, kLockOrganizationMembershipsSql,
                                       &organization_tokens_plan, kOrganizationTokensSql,
                                       &organization_largest_plan,
                                       check_size ? kOrganizationLargestSql : nullptr, 1, values));
}

void merged_size_check_membership(text *kinde_id, text *org_code) {
    Datum values[2] = {PointerGetDatum(kinde_id), PointerGetDatum(org_code)};
    refuse_if_too_large(merged_largest(nullptr, nullptr, nullptr, nullptr, &membership_largest_plan,
                                       kMembershipLargestSql, 2, values));
}

void lock_membership_parents(text *kinde_id, text *org_code) {
    Oid types[2] = {TEXTOID, TEXTOID};
    Datum values[2] = {PointerGetDatum(kinde_id), PointerGetDatum(org_code)};
    UserSwitch saved = switch_user(profiles_owner());
    spi_connect();
    // In the latest committed state: in REPEATABLE READ a parent inserted or changed since the
    // transaction's snapshot is then found and locked rather than a serialization failure.
    run_latest(&ensure_organization_plan, kEnsureOrganizationSql, 1, &types[1], &values[1], nullptr,
               SPI_OK_INSERT);
    run_latest(&ensure_profile_plan, kEnsureProfileSql, 1, types, values, nullptr, SPI_OK_INSERT);
    run_latest(&lock_parents_plan, kLockParentsSql, 2, types, values, nullptr, SPI_OK_SELECT);
    SPI_finish();
    switch_back(saved);
}

void lock_membership_parents_for_insert(text *kinde_id, text *org_code) {
    lock_membership_parents(kinde_id, org_code);
    parents_locked.set({kinde_id, org_code});
}

bool parents_already_locked(text *kinde_id, text *org_code) {
    const Parents *parents = parents_locked.get();
    return parents && text_equal(parents->kinde_id, kinde_id) && text_equal(parents->org_code, org_code);
}

void parents_lock_forget() {
    parents_locked.forget();
}

bool token_rewrite_running() {
    return token_rewrite.is_set();
}

Jsonb *membership_token(text *kinde_id, text *org_code, Jsonb *claims) {
    MemoryContext caller_context = CurrentMemoryContext;
    Oid types[3] = {TEXTOID, TEXTOID, JSONBOID};
    Datum values[3] = {PointerGetDatum(kinde_id), PointerGetDatum(org_code), JsonbPGetDatum(claims)};
    char nulls[3] = {' ', ' ', claims ? ' ' : 'n'};
    UserSwitch saved = switch_user(profiles_owner());
    spi_connect();
    run_latest(&membership_token_plan, kMembershipTokenSql, 3, types, values, nulls, SPI_OK_SELECT);
    bool isnull;
    Datum token = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
    MemoryContext spi_context = MemoryContextSwitchTo(caller_context);
    Jsonb *result = isnull ? nullptr : DatumGetJsonbPCopy(token);
    MemoryContextSwitchTo(spi_context);
    SPI_finish();
    switch_back(saved);
    return result;
}

void organization_history(Oid table, text *org_code, Jsonb *before, Jsonb *after) {
    Oid types[3] = {TEXTOID, JSONBOID, JSONBOID};
    Datum values[3] = {PointerGetDatum(org_code), JsonbPGetDatum(before ? before : empty_object()),
                       JsonbPGetDatum(after ? after : empty_object())};
    char nulls[3] = {' ', ' ', ' '};
    history_record_query(table, &organization_history_plan, kOrganizationHistorySql, 3, types, values, nulls);
}

void membership_history(Oid table, text *kinde_id, text *org_code, Jsonb *before, Jsonb *after) {
    Oid types[4] = {TEXTOID, TEXTOID, JSONBOID, JSONBOID};
    Datum values[4] = {PointerGetDatum(kinde_id), PointerGetDatum(org_code), JsonbPGetDatum(before),
                       JsonbPGetDatum(after)};
    char nulls[4] = {' ', ' ', before ? ' ' : 'n', after ? ' ' : 'n'};
    history_record_query(table, &membership_history_plan, kMembershipHistorySql, 4, types, values, nulls);
}

bool user_has_memberships(text *kinde_id) {
    const OrganizationsCatalog &catalog = organizations_catalog();
    Relation table = table_open(catalog.memberships, AccessShareLock);
    Relation index = index_open(catalog.memberships_pkey, AccessShareLock);
    ScanKeyData key;
    ScanKeyEntryInitialize(&key, 0, 1, BTEqualStrategyNumber, InvalidOid, index->rd_indcollation[0], F_TEXTEQ,
                           PointerGetDatum(kinde_id));
    // The latest committed state, for the reason the size check reads it: a membership write
    // this write waited for (on the profile's row) has committed after the statement began.
    Snapshot snapshot = RegisterSnapshot(GetLatestSnapshot());
    TupleTableSlot *slot = table_slot_create(table, nullptr);
    IndexScanDesc scan = index_beginscan(table, index, snapshot, 1, 0);
    index_rescan(scan, &key, 1, nullptr, 0);
    bool found = index_getnext_slot(scan, ForwardScanDirection, slot);
    index_endscan(scan);
    ExecDropSingleTupleTableSlot(slot);
    UnregisterSnapshot(snapshot);
    index_close(index, NoLock);
    table_close(table, NoLock);
    return found;
}

void user_memberships_changed(text *kinde_id, bool check_size) {
    if (!user_has_memberships(kinde_id))
        return;
    Datum values[1] = {PointerGetDatum(kinde_id)};
    refuse_if_too_large(merged_largest(&lock_user_memberships_plan, kLockUserMembershipsSql,
                                       &user_tokens_plan, kUserTokensSql, &user_largest_plan,
                                       check_size ? kUserLargestSql : nullptr, 1, values));
}

}  // namespace kinde_claims
