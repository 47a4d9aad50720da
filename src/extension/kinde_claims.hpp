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
struct _SPI_plan;
typedef struct _SPI_plan *SPIPlanPtr;

namespace kinde_claims {

// kinde_claims.max_claims_bytes
extern int max_claims_bytes;

// OIDs and column numbers of kinde_claims.profiles, resolved by schema-qualified name once per
// backend and forgotten when the relcache says the table or its index changed (DROP EXTENSION).
struct ProfilesCatalog {
    Oid profiles;
    Oid kinde_id_index;
    AttrNumber kinde_id;
    AttrNumber lifetime_subscriber;
    AttrNumber claims;
    AttrNumber updated_at;
    uint64 generation;  // a new value each time the above are resolved again
};
const ProfilesCatalog &profiles_catalog();
// The owner of kinde_claims.profiles: the writes that run as the caller switch to it.
Oid profiles_owner();
void profiles_catalog_register_invalidation();
// kinde_profile_upsert_trigger keeps each trigger's parsed arguments until its table changes.
void upsert_trigger_register_invalidation();

// The object a token carries: `claims` (NULL or {} for none) with lifetime_subscriber set.
// Allocated in the current memory context.
Jsonb *token_claims_build(bool lifetime_subscriber, Jsonb *claims);
// True when a profile with these values gives a token exactly the defaults of an unknown user.
bool token_claims_are_default(bool lifetime_subscriber, Jsonb *claims);

// No custom claims: NULL and {} give the same token.
inline bool claims_empty(Jsonb *claims) {
    return claims == nullptr || JB_ROOT_COUNT(claims) == 0;
}

// The bytes of a text value, in place (short or long header; the value must not be toasted).
inline std::string_view text_view(text *value) {
    return {VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value)};
}

// What a token carries, as read from one row of kinde_claims.profiles.
struct ProfileRow {
    text *kinde_id;  // NULL only in a row a trigger is about to refuse
    bool lifetime_subscriber;
    Jsonb *claims;  // NULL reads as {}
};
ProfileRow profile_row(HeapTuple row, TupleDesc desc);
// Same token object? Compares JSON values, not bytes ({"a": 1.0} equals {"a": 1}).
bool token_claims_equal(const ProfileRow &a, const ProfileRow &b);
bool kinde_id_equal(text *a, text *b);

// The claims history (claims_history.cpp). An API function pushes its source ("upsert",
// "webhook" with the event_id, "trigger" with the app table, ...) around its write and pops it
// after; a (sub)transaction abort pops it too. A write with none pushed is recorded as "sql".
struct HistorySource;
HistorySource *history_source_push(const char *source, text *event_id = nullptr, Oid app_table = InvalidOid);
void history_source_pop(HistorySource *frame);
// Adds the history entry of one committed-with-the-write change of a user's token.
void history_record(text *kinde_id, const ProfileRow &before, const ProfileRow &after);
void history_register_callbacks();

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
// SPI_connect, with its failure raised as an internal error; pair it with SPI_finish().
void spi_connect();

// The argument rules: a Kinde user id given as text (NULL is 22004, malformed is 22023).
// Returns the id as a detoasted text.
text *kinde_id_argument(FunctionCallInfo fcinfo, int argno);
void kinde_id_check(text *kinde_id);
// The claims rules: a JSON object, named per the rules, within max_claims_bytes.
void claims_check(Jsonb *claims);

}  // namespace kinde_claims
