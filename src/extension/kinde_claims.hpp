// What the extension's files share: the cached catalog of kinde_claims.profiles, the token
// object every function returns, and the checks every write runs. It brings in pg_boundary.hpp
// and so postgres.h: include any pure C++ rules header (webhook_rules.hpp) before it.
#pragma once

#include <string_view>

#include "pg_boundary.hpp"

extern "C" {
#include "access/htup.h"
#include "access/tupdesc.h"
#include "utils/jsonb.h"
}

struct TriggerData;
struct ArrayType;
struct _SPI_plan;
typedef struct _SPI_plan *SPIPlanPtr;

namespace kinde_claims {

// kinde_claims.max_claims_bytes
extern int max_claims_bytes;
// kinde_claims.allowed_kinde_claims: Kinde-issued claim names a superuser lets writes set.
extern char *allowed_kinde_claims;
// kinde_claims.supabase_identity_provider and kinde_claims.supabase_hook_on_error: which Supabase
// Auth identity provider is Kinde, and what kinde_claims_access_token_hook does on a failure.
extern char *supabase_identity_provider;
extern int supabase_hook_on_error;
enum { kHookOnErrorOpen = 0, kHookOnErrorClosed = 1 };
// kinde_claims.notify: whether a change of a user's token sends NOTIFY kinde_claims_changed.
extern bool notify;

// OIDs and column numbers of kinde_claims.profiles, resolved by schema-qualified name once per
// backend and forgotten when the relcache says the table or its index changed (DROP EXTENSION).
struct ProfilesCatalog {
    Oid profiles;
    Oid kinde_id_index;
    AttrNumber kinde_id;
    AttrNumber lifetime_subscriber;
    AttrNumber claims;
    AttrNumber updated_at;
};
const ProfilesCatalog &profiles_catalog();
// The owner of kinde_claims.profiles: the writes that run as the caller switch to it, and the
// extension's internal statements run as that role, so a direct writer of one table needs no
// privilege on the others.
Oid profiles_owner();
// The current user switched to `role` (SECURITY_LOCAL_USERID_CHANGE) and back: how the
// extension's internal statements run as the tables' owner. An error's abort restores the caller.
struct UserSwitch {
    Oid caller;
    int security_context;
};
UserSwitch switch_user(Oid role);
void switch_back(const UserSwitch &saved);
// The same for kinde_claims.organizations and kinde_claims.memberships (0.6.0 on).
struct OrganizationsCatalog {
    Oid organizations;
    Oid organizations_pkey;  // (org_code)
    AttrNumber organization_org_code;
    AttrNumber organization_claims;
    Oid memberships;
    Oid memberships_pkey;  // (kinde_id, org_code)
    AttrNumber membership_kinde_id;
    AttrNumber membership_org_code;
    AttrNumber membership_claims;
    AttrNumber membership_token;  // the stored token (NULL: not stored)
};
const OrganizationsCatalog &organizations_catalog();
// False in a database still at a version before 0.6.0 (the library updated, the SQL not yet).
bool organizations_installed();
// Whether kinde_claims.member_token(jsonb, boolean, jsonb, jsonb), the merge rule of a member's
// token (0.9.0), exists in this database; looked up again after any change of pg_proc.
bool member_token_installed();
void profiles_catalog_register_invalidation();
// kinde_profile_upsert_trigger keeps each trigger's parsed arguments until its table changes.
void upsert_trigger_register_invalidation();
// kinde_claims_access_token_hook keeps where auth.identities is until the relcache says it changed.
void access_token_hook_register_invalidation();

// The object a token carries: `claims` (NULL or {} for none) with lifetime_subscriber set.
// Allocated in the current memory context.
Jsonb *token_claims_build(bool lifetime_subscriber, Jsonb *claims);
// The token object of the profile with this id, or of an unknown user (kinde_claims_for); for an
// organization (org_code not nullptr), merged with its claims and the membership's.
Jsonb *profile_token_claims(text *kinde_id, text *org_code = nullptr);
// claims || {"lifetime_subscriber": flag} built by splicing the flag into claims' binary image
// (jsonb_splice.cpp), in the current memory context; nullptr when claims is not an object,
// already holds the key, or would grow past jsonb's size limit (jsonb_concat then).
Jsonb *claims_with_flag(const Jsonb *claims, bool lifetime_subscriber);

// One child of an object in Jsonb's binary format: its key, and its value's JEntry type and bytes
// as stored (a number or container without its alignment padding). Points into the datum.
struct ObjectChild {
    std::string_view key;
    uint32 type;
    const char *value;
    uint32 value_size;
};
// Jsonb's key order: shorter first, then bytewise.
inline int jsonb_key_order(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return a.size() < b.size() ? -1 : 1;
    return a.compare(b);
}
// The children of `container`, an object inside the datum that starts at `datum` (alignment is
// relative to the datum's start), into `out` (room for JsonContainerSize); returns how many.
uint32 object_children(const char *datum, const JsonbContainer *container, ObjectChild *out);
// The object of `children` (in Jsonb's key order, no key twice), written straight into Jsonb's
// binary format as jsonb_concat would write it, in the current memory context; nullptr when it
// would pass Jsonb's size limit.
Jsonb *object_from_children(const ObjectChild *children, uint32 count);
// No custom claims: NULL and {} give the same token.
inline bool claims_empty(Jsonb *claims) {
    return claims == nullptr || JB_ROOT_COUNT(claims) == 0;
}
// Two jsonb values with the same bytes (false when either is NULL).
inline bool same_bytes(const Jsonb *a, const Jsonb *b) {
    return a != nullptr && b != nullptr && VARSIZE(a) == VARSIZE(b) && memcmp(a, b, VARSIZE(a)) == 0;
}
// Two token parts (a user's, an organization's or a membership's claims) that put the same bytes
// into a token, NULL and {} alike: kinde_claims_for returns the stored bytes, so a stored token
// follows any change of them ({"a": 1.0} after {"a": 1} included).
inline bool claims_same_bytes(Jsonb *a, Jsonb *b) {
    if (claims_empty(a) || claims_empty(b))
        return claims_empty(a) == claims_empty(b);
    return same_bytes(a, b);
}
// Two claims objects with the same JSON value, NULL and {} alike ({"a": 1.0} equals {"a": 1}):
// what decides whether a change is recorded in the history.
bool claims_equal(Jsonb *a, Jsonb *b);
// {}, in the current memory context.
Jsonb *empty_object();

// The bytes of a text value, in place (short or long header; the value must not be toasted).
inline std::string_view text_view(text *value) {
    return {VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value)};
}
// Two texts (a user id, an org code) with the same bytes; two NULLs are equal.
inline bool text_equal(text *a, text *b) {
    if (a == nullptr || b == nullptr)
        return a == b;
    return text_view(a) == text_view(b);
}
// The object a token for an organization carries: user || organization || membership (later
// names win; any part may be NULL or {}), with the user's lifetime_subscriber.
Jsonb *token_claims_build_merged(bool lifetime_subscriber, Jsonb *user, Jsonb *organization, Jsonb *membership);

// What a token carries, as read from one row of kinde_claims.profiles.
struct ProfileRow {
    text *kinde_id;  // NULL only in a row a trigger is about to refuse
    bool lifetime_subscriber;
    Jsonb *claims;  // NULL reads as {}
};
ProfileRow profile_row(HeapTuple row, TupleDesc desc);
// Same token object? Compares JSON values, not bytes ({"a": 1.0} equals {"a": 1}).
bool token_claims_equal(const ProfileRow &a, const ProfileRow &b);

// The claims history (claims_history.cpp). An API function pushes its source ("upsert",
// "webhook" with the event_id, "trigger" with the app table, ...) around its write and pops it
// after; a (sub)transaction abort pops it too. A write with none pushed is recorded as "sql".
struct HistorySource;
HistorySource *history_source_push(const char *source, text *event_id = nullptr, Oid app_table = InvalidOid);
void history_source_pop(HistorySource *frame);
// Adds the history entry of one committed-with-the-write change of a user's token.
void history_record(text *kinde_id, const ProfileRow &before, const ProfileRow &after);
void history_register_callbacks();
// Adds the entries an INSERT INTO kinde_claims.claims_history ... SELECT makes (an organization's
// or a membership's change): its $1..$5 are source, event_id, app_table, actor and jwt_role,
// and its $6.. the `nargs` (at most 8) values given. `written_table` is the table whose write
// this records (none under pg_restore's COPY into it).
void history_record_query(Oid written_table, SPIPlanPtr *cache, const char *sql, int nargs, Oid *types,
                          Datum *values, const char *nulls);

// A user's token changed (organizations.cpp): the stored tokens of the user's memberships are
// rewritten and, when `check_size`, the merged-size guarantee checked for each: every (user,
// organization) still fits in max_claims_bytes. Takes the row locks that order it with the
// writes of the other parts, then reads the latest committed state. A user with no
// memberships costs one index probe.
void user_memberships_changed(text *kinde_id, bool check_size);
// Does the user have a membership, in the latest committed state? One index probe.
bool user_has_memberships(text *kinde_id);
// Following Kinde (kinde_webhook_apply), inside the caller's SPI connection or outside one:
// removes an organization and its memberships (true if it was stored); makes sure a membership
// exists (claims kept or {}); removes the user's memberships of organizations not in `keep`
// (a text[]; nullptr removes them all).
bool organization_delete(text *org_code);
void membership_ensure(text *kinde_id, text *org_code);
void memberships_retain(text *kinde_id, ArrayType *keep);

// True while a top-level COPY FROM into the table `relid` itself runs (what pg_restore runs):
// not a COPY into an app table whose trigger writes this one, nor a COPY (query) TO.
bool copy_from_into(Oid relid);

// Refuses (42501) a prepared read of `source` to which row-level security applies for the
// current role: `function` would see a subset and take it for the whole table (`consequence`
// says what it would do then). kinde_claims_import.cpp.
void row_security_check(Oid source, SPIPlanPtr plan, const char *function, const char *consequence);

// When a row trigger function may fire.
enum class RowTriggerFires { before_insert_or_update, after_any };
// The TriggerData of a row-level trigger call fired as `fires` allows, or a 39P01 error naming
// the trigger: the one place the trigger functions check how they were called.
::TriggerData *row_trigger_data(FunctionCallInfo fcinfo, const char *trigger_name, RowTriggerFires fires);

// A statement prepared on first use and kept for the backend's life (SPI_keepplan); its plan is
// invalidated and rebuilt by Postgres when the objects it names change. Call inside SPI.
SPIPlanPtr saved_plan(SPIPlanPtr *cache, const char *sql, int nargs, Oid *types);
// Runs a kept plan (nulls as SPI_execute_plan takes them, nullptr for none) and returns
// SPI_processed. Any status but `expected` (SPI_OK_INSERT, ...) is a bug in the statement,
// raised as an internal error naming `what`. Call inside SPI.
uint64 spi_execute(SPIPlanPtr plan, Datum *values, const char *nulls, int expected, const char *what);
// The same, reading the latest committed state instead of the statement's snapshot, as foreign
// key checks do: for a statement run after the row locks that order it with the writes it could
// combine with, so it sees a write it waited for (in REPEATABLE READ too, whose snapshot may
// predate that write or not show a row it must lock). `count` limits the rows (0: all).
uint64 spi_execute_latest(SPIPlanPtr plan, Datum *values, const char *nulls, int expected, const char *what,
                          long count = 0);
// SPI_connect, with its failure raised as an internal error; pair it with SPI_finish().
void spi_connect();

// The argument rules: a Kinde user id given as text (NULL is 22004, malformed is 22023).
// Returns the id as a detoasted text.
text *kinde_id_argument(FunctionCallInfo fcinfo, int argno);
void kinde_id_check(text *kinde_id);
// The claims rules: a JSON object, named per the rules, within max_claims_bytes, no name Kinde
// issues unless allowed, no number a double would change. A claim whose value equals the one
// stored is not checked for Kinde's names or numbers again: `old_claims` for an UPDATE; for an
// INSERT, `kinde_id`'s stored profile (read only when a claim would be refused), because
// INSERT ... ON CONFLICT DO UPDATE fires the BEFORE INSERT trigger with the whole new object.
void claims_check(Jsonb *claims, Jsonb *old_claims = nullptr, text *kinde_id = nullptr);
// One claim's value: a name Kinde issues (unless kinde_claims.allowed_kinde_claims allows it) and,
// when `numbers`, every number in it at any depth (FACTS.md §7). Raises 22023; `prefix` starts
// the message and `column` ends it, for errors about an app table's trigger.
void claim_value_check(std::string_view name, const JsonbValue &value, bool numbers,
                       const char *prefix = nullptr, const char *column = nullptr);
// The organization code rules (NULL is 22004, malformed is 22023); returns a detoasted text.
text *org_code_argument(FunctionCallInfo fcinfo, int argno);
void org_code_check(text *org_code);

}  // namespace kinde_claims
