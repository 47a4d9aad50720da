// The claims history's writers (claims_history.cpp): a user's entry, the entries of an
// organization's or a membership's change, and which path wrote.
#pragma once

#include "token.hpp"

struct _SPI_plan;
typedef struct _SPI_plan *SPIPlanPtr;

namespace kinde_claims {

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

}  // namespace kinde_claims
