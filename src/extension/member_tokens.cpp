// A member's token (organizations.hpp tells the whole design): the merged-size guarantee, the
// locks on a membership's parents, the stored tokens' rewrite, and the history entries of
// members' tokens. Every statement that builds a member's token is in this file, and each calls
// the one merge rule, kinde_claims.member_token.
#include "member_tokens.hpp"
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

// The SQL statements are laid out by hand.
// clang-format off
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

// The merge rule, user || organization || membership then lifetime_subscriber, is
// kinde_claims.member_token(user_claims, subscriber, org_claims, membership_claims) (0.9.0,
// src/sql/functions/member_token.sql), which the planner inlines: every statement below calls
// it, through the TOKEN argument of its macro. A database still at 0.6.0 to 0.8.0 (this library
// installed, ALTER EXTENSION ... UPDATE not run yet) has no such function, so each statement is
// also compiled with KC_MEMBER_TOKEN_BEFORE_0_9_0, the function's body spelled inline, and runs
// so until the update (member_token_installed). Remove that spelling when 0.8.0 is no longer served.
#define KC_MEMBER_TOKEN_CALL(u, s, o, m) "kinde_claims.member_token(" u ", " s ", " o ", " m ")"
#define KC_MEMBER_TOKEN_BEFORE_0_9_0(u, s, o, m)                                                             \
    "(CASE WHEN " m " IS NULL THEN COALESCE(" u ", '{}'::pg_catalog.jsonb) "                                 \
    "ELSE COALESCE(" u ", '{}'::pg_catalog.jsonb) OPERATOR(pg_catalog.||) "                                  \
    "COALESCE(" o ", '{}'::pg_catalog.jsonb) OPERATOR(pg_catalog.||) " m " END OPERATOR(pg_catalog.||) "     \
    "CASE WHEN " s " THEN '{\"lifetime_subscriber\": true}'::pg_catalog.jsonb "                              \
    "ELSE '{\"lifetime_subscriber\": false}'::pg_catalog.jsonb END)"

// An organization's claims changed from $7 to $8: one entry per member whose token changed.
#define KC_ORGANIZATION_HISTORY_SQL(TOKEN)                                                                   \
    "INSERT INTO kinde_claims.claims_history "                                                               \
    "(kinde_id, org_code, source, event_id, app_table, actor, jwt_role, old_claims, new_claims) "            \
    "SELECT t.kinde_id, $6, $1, $2, $3, $4, $5, t.old_claims, t.new_claims FROM ("                           \
    "SELECT m.kinde_id, " TOKEN("p.claims", "p.lifetime_subscriber", "$7", "m.claims") " AS old_claims, "    \
    TOKEN("p.claims", "p.lifetime_subscriber", "$8", "m.claims") " AS new_claims "                           \
    "FROM kinde_claims.memberships m "                                                                       \
    "LEFT JOIN kinde_claims.profiles p ON p.kinde_id OPERATOR(pg_catalog.=) m.kinde_id "                     \
    "WHERE m.org_code OPERATOR(pg_catalog.=) $6) t "                                                         \
    "WHERE t.old_claims OPERATOR(pg_catalog.<>) t.new_claims ORDER BY t.kinde_id"

// A membership ($6, $7) changed from $8 to $9 (NULL: no membership, the user-only token).
#define KC_MEMBERSHIP_HISTORY_SQL(TOKEN)                                                                     \
    "INSERT INTO kinde_claims.claims_history "                                                               \
    "(kinde_id, org_code, source, event_id, app_table, actor, jwt_role, old_claims, new_claims) "            \
    "SELECT $6, $7, $1, $2, $3, $4, $5, t.old_claims, t.new_claims FROM ("                                   \
    "SELECT " TOKEN("p.claims", "p.lifetime_subscriber", "o.claims", "$8::pg_catalog.jsonb")                 \
    " AS old_claims, "                                                                                       \
    TOKEN("p.claims", "p.lifetime_subscriber", "o.claims", "$9::pg_catalog.jsonb") " AS new_claims "         \
    "FROM (SELECT) one "                                                                                     \
    "LEFT JOIN kinde_claims.profiles p ON p.kinde_id OPERATOR(pg_catalog.=) $6 "                             \
    "LEFT JOIN kinde_claims.organizations o ON o.org_code OPERATOR(pg_catalog.=) $7) t "                     \
    "WHERE t.old_claims OPERATOR(pg_catalog.<>) t.new_claims"

// The tokens of a user's ($1) or an organization's ($1) memberships, rewritten (their rows
// locked first): each row m's token is what kinde_claims_for returns for it.
#define KC_TOKENS_SQL(TOKEN, WHERE)                                                                          \
    "UPDATE kinde_claims.memberships m SET token = (SELECT "                                                 \
    TOKEN("p.claims", "p.lifetime_subscriber", "o.claims", "m.claims") " FROM (SELECT) one "                 \
    "LEFT JOIN kinde_claims.profiles p ON p.kinde_id OPERATOR(pg_catalog.=) m.kinde_id "                     \
    "LEFT JOIN kinde_claims.organizations o ON o.org_code OPERATOR(pg_catalog.=) m.org_code) "               \
    "WHERE " WHERE
#define KC_USER_TOKENS_SQL(TOKEN) KC_TOKENS_SQL(TOKEN, "m.kinde_id OPERATOR(pg_catalog.=) $1")
#define KC_ORGANIZATION_TOKENS_SQL(TOKEN) KC_TOKENS_SQL(TOKEN, "m.org_code OPERATOR(pg_catalog.=) $1")

// A membership's own token, for its BEFORE trigger: (kinde_id, org_code) is ($1, $2) and its new
// claims are $3 (NULL, which the AFTER trigger refuses, merges as {}).
#define KC_MEMBERSHIP_TOKEN_SQL(TOKEN)                                                                       \
    "SELECT " TOKEN("p.claims", "p.lifetime_subscriber", "o.claims", "COALESCE($3, '{}'::pg_catalog.jsonb)") \
    " FROM (SELECT) one "                                                                                    \
    "LEFT JOIN kinde_claims.profiles p ON p.kinde_id OPERATOR(pg_catalog.=) $1 "                             \
    "LEFT JOIN kinde_claims.organizations o ON o.org_code OPERATOR(pg_catalog.=) $2"

// One of the statements above in its two spellings, [0] calling kinde_claims.member_token and
// [1] for a database before 0.9.0, each prepared on its first use.
struct TokenStatement {
    const char *sql[2];
    SPIPlanPtr plan[2];
};
#define KC_TOKEN_STATEMENT(STATEMENT)                                                                        \
    {{STATEMENT(KC_MEMBER_TOKEN_CALL), STATEMENT(KC_MEMBER_TOKEN_BEFORE_0_9_0)}, {}}
// clang-format on
TokenStatement organization_history_statement = KC_TOKEN_STATEMENT(KC_ORGANIZATION_HISTORY_SQL);
TokenStatement membership_history_statement = KC_TOKEN_STATEMENT(KC_MEMBERSHIP_HISTORY_SQL);
TokenStatement user_tokens_statement = KC_TOKEN_STATEMENT(KC_USER_TOKENS_SQL);
TokenStatement organization_tokens_statement = KC_TOKEN_STATEMENT(KC_ORGANIZATION_TOKENS_SQL);
TokenStatement membership_token_statement = KC_TOKEN_STATEMENT(KC_MEMBERSHIP_TOKEN_SQL);

// The spelling this database takes: its plan cache and statement.
struct Spelled {
    SPIPlanPtr *cache;
    const char *sql;
};
Spelled spelled(TokenStatement &statement) {
    int spelling = member_token_installed() ? 0 : 1;
    return {&statement.plan[spelling], statement.sql[spelling]};
}

SPIPlanPtr lock_user_memberships_plan, lock_organization_memberships_plan, user_largest_plan,
    organization_largest_plan, membership_largest_plan, ensure_organization_plan, ensure_profile_plan,
    lock_parents_plan;

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

// Locks with `lock_sql` (when given) and rewrites the locked rows' tokens with `tokens`
// (when given), then finds the largest merged size with `check_sql` (when given), all in the
// latest committed state. Only Postgres calls: no C++ object with a destructor is alive.
Largest merged_largest(SPIPlanPtr *lock_cache, const char *lock_sql, TokenStatement *tokens,
                       SPIPlanPtr *check_cache, const char *check_sql, int nargs, Datum *values) {
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
    if (tokens != nullptr) {
        Spelled rewrite = spelled(*tokens);
        TransactionLocal<bool> outer = token_rewrite;
        token_rewrite.set(true);
        run_latest(rewrite.cache, rewrite.sql, nargs, types, values, nullptr, SPI_OK_UPDATE);
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
                                       &organization_tokens_statement, &organization_largest_plan,
                                       check_size ? kOrganizationLargestSql : nullptr, 1, values));
}

void merged_size_check_membership(text *kinde_id, text *org_code) {
    Datum values[2] = {PointerGetDatum(kinde_id), PointerGetDatum(org_code)};
    refuse_if_too_large(merged_largest(nullptr, nullptr, nullptr, &membership_largest_plan,
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
    Spelled token_sql = spelled(membership_token_statement);
    run_latest(token_sql.cache, token_sql.sql, 3, types, values, nulls, SPI_OK_SELECT);
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
    Spelled history = spelled(organization_history_statement);
    history_record_query(table, history.cache, history.sql, 3, types, values, nulls);
}

void membership_history(Oid table, text *kinde_id, text *org_code, Jsonb *before, Jsonb *after) {
    Oid types[4] = {TEXTOID, TEXTOID, JSONBOID, JSONBOID};
    Datum values[4] = {PointerGetDatum(kinde_id), PointerGetDatum(org_code), JsonbPGetDatum(before),
                       JsonbPGetDatum(after)};
    char nulls[4] = {' ', ' ', before ? ' ' : 'n', after ? ' ' : 'n'};
    Spelled history = spelled(membership_history_statement);
    history_record_query(table, history.cache, history.sql, 4, types, values, nulls);
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
                                       &user_tokens_statement, &user_largest_plan,
                                       check_size ? kUserLargestSql : nullptr, 1, values));
}

}  // namespace kinde_claims
