// What the three files of organizations and memberships share (0.6.0), besides every shared
// header (kinde_claims.hpp); what the rest of the extension asks of them is organizations.hpp:
//   organizations.cpp         the four write functions and the webhook's writes;
//   organization_triggers.cpp the row triggers of organizations and memberships: key checks,
//                             the rules, and which change reaches a token or the history;
//   member_tokens.cpp         a member's token: the merged-size guarantee, the parents' locks,
//                             the stored tokens and the history entries of members' tokens.
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
#pragma once

#include "kinde_claims.hpp"

namespace kinde_claims {

// One of these files' statements, prepared on first use (saved_plan) and run with the
// statement's snapshot (spi_execute) or, after the locks that order it with the writes it could
// combine with, with the latest committed state (spi_execute_latest).
inline uint64 run(SPIPlanPtr *cache, const char *sql, int nargs, Oid *types, Datum *values, const char *nulls,
                  int expected) {
    return spi_execute(saved_plan(cache, sql, nargs, types), values, nulls, expected, sql);
}
inline uint64 run_latest(SPIPlanPtr *cache, const char *sql, int nargs, Oid *types, Datum *values,
                         const char *nulls, int expected, long count = 0) {
    return spi_execute_latest(saved_plan(cache, sql, nargs, types), values, nulls, expected, sql, count);
}

// An organization's claims changed: its members' tokens are rewritten and, when its claims grew
// (`check_size`), each member's merged size checked (22023 when one is too large).
void organization_members_changed(text *org_code, bool check_size);
// A membership was written with larger claims (its parents locked by its BEFORE trigger):
// 22023 when its merged size is too large.
void merged_size_check_membership(text *kinde_id, text *org_code);

// A membership's parents, its organization and its user's profile, created with {} when missing
// and share-locked, in the latest committed state. The _for_insert form remembers them for the
// (sub)transaction, so the BEFORE trigger of the write function's own INSERT right after need
// not lock them again (parents_already_locked); parents_lock_forget ends that after the INSERT.
void lock_membership_parents(text *kinde_id, text *org_code);
void lock_membership_parents_for_insert(text *kinde_id, text *org_code);
bool parents_already_locked(text *kinde_id, text *org_code);
void parents_lock_forget();

// True while this (sub)transaction's rewrite of stored tokens runs: the memberships BEFORE
// trigger then keeps the token the rewrite computed instead of computing it again.
bool token_rewrite_running();
// The token of the membership (kinde_id, org_code) with `claims`, from the latest committed
// profile and organization (locked by the caller), in the caller's memory context.
Jsonb *membership_token(text *kinde_id, text *org_code, Jsonb *claims);

// The history entries of members' tokens, with the source the write function pushed (table is
// the written table, for restore detection). An organization's claims changed from `before` to
// `after` (NULL: {}): one entry per member whose token changed. A membership changed from
// `before` to `after` (NULL: no membership, the user-only token).
void organization_history(Oid table, text *org_code, Jsonb *before, Jsonb *after);
void membership_history(Oid table, text *kinde_id, text *org_code, Jsonb *before, Jsonb *after);

}  // namespace kinde_claims
