// The projection triggers' shared part: kinde_profile_upsert_trigger() and
// kinde_organization_upsert_trigger() keep a user's profile or an organization in step with an
// app's own table. The work is split by phase, the way pgvector splits a subsystem:
//   projection_trigger_args.cpp     parse a trigger's arguments against its table, and cache them
//   kinde_profile_upsert_trigger.cpp  a row's claims and writes (the row trigger), and TRUNCATE
//   projection_check.cpp            kinde_claims_projection_check() and _repair(): compare (and
//                                   rewrite) what an app table's rows project with what is stored
#pragma once

#include "kinde_claims.hpp"

extern "C" {
#include "access/htup.h"
#include "commands/trigger.h"
#include "utils/jsonb.h"
}

namespace kinde_claims {

constexpr const char *kProfileTriggerName = "kinde_profile_upsert_trigger()";
constexpr const char *kOrganizationTriggerName = "kinde_organization_upsert_trigger()";
// Keys a TRUNCATE removes, and app-table rows a check reads, per batch.
constexpr int kTruncateBatch = 1000;

// Which table a trigger keeps in step: a user's profile or an organization.
enum class Target { profile, organization };

// How a column's value becomes a JSON value.
enum class ClaimType { boolean, text, int2, int4, int8, numeric, jsonb, timestamptz };

struct ClaimColumn {
    const char *claim;
    const char *column;
    AttrNumber attnum;
    ClaimType type;
    bool byval;  // of the column's type, to compare an UPDATE's old and new values
    int16 typlen;
};

// One trigger's arguments, resolved against its table. Lives in its own memory context.
struct UpsertTriggerArgs {
    MemoryContext context;
    Target target;
    AttrNumber key;          // the user-id column (profile) or the org-code column (organization)
    const char *key_column;  // its name
    const char *prefix;              // trigger_prefix(), for errors about a row's values
    AttrNumber lifetime_subscriber;  // InvalidAttrNumber when this trigger does not map it
    int nclaims;
    ClaimColumn *claims;
    Datum claim_keys;  // text[] of every claim name above: what this trigger owns in `claims`
};

// "trigger "purchases_claims" on app.purchases: ", the start of every message about a trigger.
// palloc'd, so it is built before any C++ string of the error exists.
char *trigger_prefix(TriggerData *data);
// Raises `message` (composed with psprintf by the caller) prefixed with the trigger and table.
[[noreturn]] void trigger_error(TriggerData *data, int sqlstate, const char *message,
                                const char *detail = nullptr, const char *hint = nullptr);
// A rules::Violation about a trigger's argument or row, prefixed like trigger_error.
[[noreturn]] void trigger_violation(const char *prefix, const rules::Violation &violation,
                                    const char *suffix = "");

// The parsed arguments of the trigger being fired (projection_trigger_args.cpp).
const UpsertTriggerArgs &upsert_trigger_args_for(TriggerData *data, Target target);

// A row's mapped claims, its key, and the key's rule (kinde_profile_upsert_trigger.cpp).
Jsonb *row_claims(TriggerData *data, const UpsertTriggerArgs &args, HeapTuple row, HeapTuple old_row);
text *row_key(TriggerData *data, const UpsertTriggerArgs &args, HeapTuple row);
bool key_valid(const UpsertTriggerArgs &args, text *key);
// The trigger's writes of a key's claims, through kinde_claims.profiles or .organizations.
void target_remove_claims(const UpsertTriggerArgs &args, text *key);
void target_set_claims(const UpsertTriggerArgs &args, text *key, NullableDatum lifetime_subscriber,
                       Jsonb *claims);
// Writes as session_replication_role = origin; pass the answer to writes_as_origin_end.
int writes_as_origin();
void writes_as_origin_end(int level);

}  // namespace kinde_claims
