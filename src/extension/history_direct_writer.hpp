// The direct writer of the claims history (claims_history.cpp's hot path): a profile's entry
// goes straight into the heap and the indexes of kinde_claims.claims_history when the table is
// exactly as the extension made it, instead of through the INSERT statement.
#pragma once

#include "pg_boundary.hpp"

namespace kinde_claims {

// kinde_claims.claims_history's OID, from the writer's cache while it is valid; InvalidOid in a
// database still at a version without the history (0.4.0 and before).
Oid history_table_oid();
// Writes the entry whose columns kinde_id, source, event_id, app_table, actor, jwt_role,
// old_claims and new_claims are `context` (`context_null`: NULL) into the history table `relid`,
// with the next id of its identity sequence and clock_timestamp() as changed_at, as the INSERT
// statement would (the same locks; no privilege checked: the history is the owner's). Returns
// false, writing nothing, when the table is not as the extension made it (a trigger, a rule, a
// CHECK, another column or index, ...): the caller then runs the INSERT statement. bench/ablate
// builds it with KC_ABLATE_HISTORY_DIRECT, which makes it always return false, to measure what
// it saves.
bool history_insert_direct(Oid relid, const Datum *context, const bool *context_null);
// Forgets the cached table when the relcache says it, its sequence or an index changed.
void history_direct_writer_register_invalidation();

}  // namespace kinde_claims
