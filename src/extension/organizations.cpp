// Organizations and memberships (0.6.0): their write functions, their row triggers, and the
// merged-size guarantee.
//
// The size guarantee. A token for an organization carries user || organization || membership.
// The JSON text of a merge of objects is at most the sum of the parts' texts ("{a}" and "{b}"
// make "{a, b}"), so a write is refused when, for any (user, organization) it reaches, the sum
// of the three parts' sizes exceeds max_claims_bytes (an empty part counts 0). Each write takes
// row locks that make it wait for any write it could combine with:
//   - an organization's write holds its organizations row and locks its memberships rows;
//   - a user's write holds its profiles row and locks its memberships rows;
//   - a membership's write share-locks the organizations and profiles rows (creating them with
//     {} if missing, so a concurrent insert waits on the unique index) before its own row.
// Then it sums with the latest committed state (not the statement's snapshot), so whichever
// write goes second sees the first. Lock order is organization or profile before membership,
// so the functions' writes do not deadlock.
//
// The stored token. memberships.token holds what kinde_claims_for returns for that member
// (user || organization || membership, the user's lifetime_subscriber), so a member's call is
// one probe. Every write that changes a part rewrites it under the same locks, from the latest
// committed state: a membership's write computes its own (BEFORE trigger, after locking the
// parents); a user's or an organization's write, once its own row is written and held, locks
// the memberships rows it reaches and rewrites their tokens. Two writes that meet wait at a
// row both lock, and the second computes from a state that includes the first. NULL means not
// stored (a COPY that left the column out): kinde_claims_for then merges the three tables.
#include "kinde_claims.hpp"

#include <string>

extern "C" {
#include "access/genam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type_d.h"
#include "commands/trigger.h"
#include "executor/tuptable.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "tcop/pquery.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/fmgrprotos.h"
#include "utils/portal.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
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

SPIPlanPtr user_tokens_plan, organization_tokens_plan, membership_token_plan;
SPIPlanPtr lock_user_memberships_plan, lock_organization_memberships_plan, user_largest_plan,
    organization_largest_plan, membership_largest_plan, ensure_organization_plan, ensure_profile_plan,
    lock_parents_plan, organization_upsert_plan, organization_lock_plan, organization_memberships_delete_plan,
    organization_delete_plan, membership_upsert_plan, membership_delete_plan, organization_history_plan,
    membership_history_plan, memberships_retain_plan, membership_ensure_plan;

constexpr const char *kOrganizationsTrigger = "kinde_claims.organizations_after_write()";
constexpr const char *kMembershipsTrigger = "kinde_claims.memberships_after_write()";
constexpr const char *kMembershipsBeforeTrigger = "kinde_claims.memberships_before_write()";

// One of this file's statements, prepared on first use (saved_plan) and run (spi_execute).
uint64 run(SPIPlanPtr *cache, const char *sql, int nargs, Oid *types, Datum *values, const char *nulls,
           int expected) {
    return spi_execute(saved_plan(cache, sql, nargs, types), values, nulls, expected, sql);
}

// The same, run with the latest committed state rather than the statement's snapshot: after
// the locks that order it with the other writes, as foreign keys check (in REPEATABLE READ too,
// whose own snapshot may predate a write it waited for, or not show a row it must lock).
uint64 run_latest(SPIPlanPtr *cache, const char *sql, int nargs, Oid *types, Datum *values, const char *nulls,
                  int expected) {
    SPIPlanPtr plan = saved_plan(cache, sql, nargs, types);
    int status =
        SPI_execute_snapshot(plan, values, nulls, GetLatestSnapshot(), InvalidSnapshot, false, true, 0);
    if (status != expected)
        elog(ERROR, "kinde_claims: \"%s\" returned %s", sql, SPI_result_code_string(status));
    return SPI_processed;
}

// While this (sub)transaction's token rewrite runs, the memberships BEFORE trigger keeps the
// token the rewrite computed (under its locks) instead of computing it again per row. Keyed by
// the (sub)transaction so that an error inside the rewrite cannot leave it set for later writes.
struct TokenRewrite {
    LocalTransactionId transaction = InvalidLocalTransactionId;
    SubTransactionId subtransaction = InvalidSubTransactionId;
} token_rewrite;

bool token_rewrite_running() {
    return token_rewrite.transaction == MyProc->lxid &&
           token_rewrite.subtransaction == GetCurrentSubTransactionId();
}

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
        TokenRewrite outer = token_rewrite;
        token_rewrite = {MyProc->lxid, GetCurrentSubTransactionId()};
        run_latest(tokens_cache, tokens_sql, nargs, types, values, nullptr, SPI_OK_UPDATE);
        token_rewrite = outer;
    }
    if (check_sql == nullptr) {
        SPI_finish();
        switch_back(saved);
        return largest;
    }
    SPIPlanPtr check = saved_plan(check_cache, check_sql, nargs, types);
    // The latest snapshot, as foreign keys check: a write that held a lock we waited for has
    // committed, and the statement's own snapshot may predate it (REPEATABLE READ too).
    int status = SPI_execute_snapshot(check, values, nullptr, GetLatestSnapshot(), InvalidSnapshot, false, false, 1);
    if (status != SPI_OK_SELECT)
        elog(ERROR, "kinde_claims: size check returned %s", SPI_result_code_string(status));
    if (SPI_processed == 1) {
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

// An organization's claims changed: its members' tokens are rewritten and, when its claims grew
// (`check_size`), each member's merged size checked.
void organization_members_changed(text *org_code, bool check_size) {
    Datum values[1] = {PointerGetDatum(org_code)};
    refuse_if_too_large(merged_largest(&lock_organization_memberships_plan, kLockOrganizationMembershipsSql,
                                       &organization_tokens_plan, kOrganizationTokensSql,
                                       &organization_largest_plan,
                                       check_size ? kOrganizationLargestSql : nullptr, 1, values));
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

// The membership's parents were locked by its BEFORE trigger.
void merged_size_check_membership(text *kinde_id, text *org_code) {
    Datum values[2] = {PointerGetDatum(kinde_id), PointerGetDatum(org_code)};
    refuse_if_too_large(merged_largest(nullptr, nullptr, nullptr, nullptr, &membership_largest_plan,
                                       kMembershipLargestSql, 2, values));
}

// The token of the membership (kinde_id, org_code) with `claims`, from the latest committed
// profile and organization (locked by the caller), in the caller's memory context.
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

bool claims_empty(Jsonb *claims) {
    return claims == nullptr || JB_ROOT_COUNT(claims) == 0;
}

bool same_bytes(Jsonb *a, Jsonb *b) {
    return a != nullptr && b != nullptr && VARSIZE(a) == VARSIZE(b) && memcmp(a, b, VARSIZE(a)) == 0;
}

bool claims_equal(Jsonb *a, Jsonb *b) {
    if (claims_empty(a) || claims_empty(b))
        return claims_empty(a) == claims_empty(b);
    return DatumGetBool(DirectFunctionCall2(jsonb_eq, JsonbPGetDatum(a), JsonbPGetDatum(b)));
}

Jsonb *empty_object() {
    return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")));
}

// A column of a row of organizations or memberships, by name.
Datum column(HeapTuple row, TupleDesc desc, const char *name, bool *isnull) {
    int attnum = SPI_fnumber(desc, name);
    if (attnum <= 0)
        elog(ERROR, "kinde_claims: column \"%s\" is missing", name);
    return heap_getattr(row, attnum, desc, isnull);
}

text *text_column(HeapTuple row, TupleDesc desc, const char *name) {
    bool isnull;
    Datum value = column(row, desc, name, &isnull);
    return isnull ? nullptr : DatumGetTextPP(value);
}

Jsonb *claims_column(HeapTuple row, TupleDesc desc) {
    bool isnull;
    Datum value = column(row, desc, "claims", &isnull);
    return isnull ? nullptr : DatumGetJsonbP(value);
}

void claims_column_check(Jsonb *claims) {
    if (claims == nullptr)
        throw pg::Error(ERRCODE_NOT_NULL_VIOLATION, "claims must not be null", "Use {} for no claims.");
    claims_check(claims);
}

void key_unchanged(text *before, text *after, const char *what) {
    if (!kinde_id_equal(before, after))
        throw pg::Error(ERRCODE_FEATURE_NOT_SUPPORTED, std::string(what) + " cannot be changed",
                        "Delete the row and create the new one.");
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

// Does this part's change change a token? Its JSON text counts (kinde_claims_for returns the
// stored bytes), NULL and {} alike.
bool token_part_changed(Jsonb *before, Jsonb *after) {
    if (claims_empty(before) || claims_empty(after))
        return claims_empty(before) != claims_empty(after);
    return !same_bytes(before, after);
}

void organization_after_write(TriggerData *data) {
    TupleDesc desc = RelationGetDescr(data->tg_relation);
    HeapTuple old_row = TRIGGER_FIRED_BY_INSERT(data->tg_event) ? nullptr : data->tg_trigtuple;
    HeapTuple new_row = TRIGGER_FIRED_BY_INSERT(data->tg_event)   ? data->tg_trigtuple
                        : TRIGGER_FIRED_BY_UPDATE(data->tg_event) ? data->tg_newtuple
                                                                  : nullptr;
    text *org_code = text_column(new_row ? new_row : old_row, desc, "org_code");
    Jsonb *before = old_row ? claims_column(old_row, desc) : nullptr;
    Jsonb *after = new_row ? claims_column(new_row, desc) : nullptr;
    if (new_row) {
        if (org_code == nullptr)
            throw pg::Error(rules::null_org_code());
        org_code_check(org_code);
        if (old_row)
            key_unchanged(text_column(old_row, desc, "org_code"), org_code, "an organization's org_code");
        // As for profiles: claims stored earlier passed the rules of their time.
        if (!same_bytes(before, after))
            claims_column_check(after);
    }
    if (!token_part_changed(before, after))
        return;
    // pg_restore's COPY brings rows back in any order (memberships before organizations): the
    // sums were checked and the members' tokens stored when the rows were first written.
    if (!copy_from_into(RelationGetRelid(data->tg_relation)))
        organization_members_changed(org_code, !claims_empty(after) && !claims_equal(before, after));
    if (!claims_equal(before, after))
        organization_history(RelationGetRelid(data->tg_relation), org_code, before, after);
}

// Parents locked by a write function just before its own INSERT: its BEFORE trigger need not
// lock them again (the statement in between is that INSERT alone).
struct ParentsLocked {
    LocalTransactionId transaction = InvalidLocalTransactionId;
    SubTransactionId subtransaction = InvalidSubTransactionId;
    text *kinde_id = nullptr;
    text *org_code = nullptr;
} parents_locked;

void lock_membership_parents_for_insert(text *kinde_id, text *org_code) {
    lock_membership_parents(kinde_id, org_code);
    parents_locked = {MyProc->lxid, GetCurrentSubTransactionId(), kinde_id, org_code};
}

void parents_lock_forget() {
    parents_locked = {};
}

bool parents_already_locked(text *kinde_id, text *org_code) {
    return parents_locked.transaction == MyProc->lxid &&
           parents_locked.subtransaction == GetCurrentSubTransactionId() &&
           kinde_id_equal(parents_locked.kinde_id, kinde_id) &&
           kinde_id_equal(parents_locked.org_code, org_code);
}

// BEFORE INSERT OR UPDATE on memberships: the row's keys follow the rules, its parents exist
// and are share-locked, and its token is computed from them (whatever token the write gave).
// A membership row's key: both parts present and valid (22004 / 22023), as the API checks them.
void membership_key_check(text *kinde_id, text *org_code) {
    if (kinde_id == nullptr)
        throw pg::Error(rules::null_kinde_id());
    kinde_id_check(kinde_id);
    if (org_code == nullptr)
        throw pg::Error(rules::null_org_code());
    org_code_check(org_code);
}

HeapTuple membership_before_write(TriggerData *data) {
    TupleDesc desc = RelationGetDescr(data->tg_relation);
    bool inserted = TRIGGER_FIRED_BY_INSERT(data->tg_event);
    HeapTuple old_row = inserted ? nullptr : data->tg_trigtuple;
    HeapTuple new_row = inserted ? data->tg_trigtuple : data->tg_newtuple;
    // A restore brings back the token dumped with the row, which one snapshot of all three
    // tables made (its parents may come later); NULL (not given) is merged at read time.
    if (copy_from_into(RelationGetRelid(data->tg_relation)))
        return new_row;
    text *kinde_id = text_column(new_row, desc, "kinde_id");
    text *org_code = text_column(new_row, desc, "org_code");
    Jsonb *claims = claims_column(new_row, desc);
    if (old_row && token_rewrite_running() &&
        kinde_id_equal(text_column(old_row, desc, "kinde_id"), kinde_id) &&
        kinde_id_equal(text_column(old_row, desc, "org_code"), org_code) &&
        same_bytes(claims_column(old_row, desc), claims))
        return new_row;  // the rewrite computed this token under its locks
    membership_key_check(kinde_id, org_code);
    if (!parents_already_locked(kinde_id, org_code))
        lock_membership_parents(kinde_id, org_code);
    Jsonb *token = membership_token(kinde_id, org_code, claims);
    int column = SPI_fnumber(desc, "token");
    if (column <= 0)
        elog(ERROR, "kinde_claims: column \"token\" is missing");
    Datum value = JsonbPGetDatum(token);
    bool isnull = token == nullptr;
    return heap_modify_tuple_by_cols(new_row, desc, 1, &column, &value, &isnull);
}

void membership_after_write(TriggerData *data) {
    TupleDesc desc = RelationGetDescr(data->tg_relation);
    bool inserted = TRIGGER_FIRED_BY_INSERT(data->tg_event);
    HeapTuple old_row = inserted ? nullptr : data->tg_trigtuple;
    HeapTuple new_row = inserted ? data->tg_trigtuple
                        : TRIGGER_FIRED_BY_UPDATE(data->tg_event) ? data->tg_newtuple
                                                                  : nullptr;
    HeapTuple row = new_row ? new_row : old_row;
    text *kinde_id = text_column(row, desc, "kinde_id");
    text *org_code = text_column(row, desc, "org_code");
    Jsonb *before = old_row ? claims_column(old_row, desc) : nullptr;
    Jsonb *after = new_row ? claims_column(new_row, desc) : nullptr;
    if (new_row) {
        membership_key_check(kinde_id, org_code);
        if (old_row) {
            key_unchanged(text_column(old_row, desc, "kinde_id"), kinde_id, "a membership's kinde_id");
            key_unchanged(text_column(old_row, desc, "org_code"), org_code, "a membership's org_code");
        }
        if (!same_bytes(before, after))
            claims_column_check(after);
        // A new membership brings the organization's claims into the user's token, even with {}.
        // Not under pg_restore's COPY: it must not create parents that its own COPY brings later.
        if ((inserted || !claims_equal(before, after)) &&
            !copy_from_into(RelationGetRelid(data->tg_relation)))
            merged_size_check_membership(kinde_id, org_code);
    }
    if (!inserted && new_row && claims_equal(before, after))
        return;
    membership_history(RelationGetRelid(data->tg_relation), kinde_id, org_code,
                       before ? before : (inserted ? nullptr : empty_object()),
                       new_row ? (after ? after : empty_object()) : nullptr);
}

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

bool organization_delete_in_spi(text *org_code) {
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
    bool deleted = run(&organization_delete_plan, kOrganizationDeleteSql, 1, types, values, nullptr,
                       SPI_OK_DELETE) > 0;
    SPI_finish();
    return deleted;
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
    return organization_delete_in_spi(org_code);
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

bool copy_from_into(Oid relid) {
    if (ActivePortal == nullptr || ActivePortal->commandTag != CMDTAG_COPY ||
        list_length(ActivePortal->stmts) != 1)
        return false;
    auto *statement = linitial_node(PlannedStmt, ActivePortal->stmts);
    if (statement->commandType != CMD_UTILITY || !IsA(statement->utilityStmt, CopyStmt))
        return false;
    auto *copy = reinterpret_cast<CopyStmt *>(statement->utilityStmt);
    return copy->is_from && copy->relation != nullptr &&
           RangeVarGetRelid(copy->relation, NoLock, true) == relid;
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

KC_FUNCTION(kinde_organization_upsert) {
    text *org_code = kinde_claims::org_code_argument(fcinfo, 0);
    if (!PG_ARGISNULL(1))
        kinde_claims::claims_check(PG_GETARG_JSONB_P(1));
    PG_RETURN_JSONB_P(kinde_claims::organization_upsert(org_code, fcinfo->args[1]));
}

KC_FUNCTION(kinde_organization_delete) {
    text *org_code = kinde_claims::org_code_argument(fcinfo, 0);
    kinde_claims::HistorySource *source = kinde_claims::history_source_push("delete");
    bool deleted = kinde_claims::organization_delete_in_spi(org_code);
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

KC_FUNCTION(kinde_claims_organizations_after_write) {
    TriggerData *data = kinde_claims::row_trigger_data(fcinfo, kinde_claims::kOrganizationsTrigger,
                                                       kinde_claims::RowTriggerFires::after_any);
    kinde_claims::organization_after_write(data);
    return PointerGetDatum(nullptr);
}

KC_FUNCTION(kinde_claims_memberships_before_write) {
    TriggerData *data =
        kinde_claims::row_trigger_data(fcinfo, kinde_claims::kMembershipsBeforeTrigger,
                                       kinde_claims::RowTriggerFires::before_insert_or_update);
    return PointerGetDatum(kinde_claims::membership_before_write(data));
}

KC_FUNCTION(kinde_claims_memberships_after_write) {
    TriggerData *data = kinde_claims::row_trigger_data(fcinfo, kinde_claims::kMembershipsTrigger,
                                                       kinde_claims::RowTriggerFires::after_any);
    kinde_claims::membership_after_write(data);
    return PointerGetDatum(nullptr);
}
