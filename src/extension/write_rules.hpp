// The rules every write runs (write_rules.cpp): user ids, org codes and claims, with their SQLSTATEs.
#pragma once

#include <string_view>

#include "pg_boundary.hpp"

extern "C" {
#include "utils/jsonb.h"
}

namespace kinde_claims {

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
