// BEFORE INSERT OR UPDATE row trigger on kinde_claims.profiles: the rules hold for every write,
// whether it comes from kinde_profile_upsert or from an admin's UPDATE.
// updated_at moves only when what a token carries, or the id, changes.
#include "catalog.hpp"
#include "pg_helpers.hpp"
#include "token.hpp"
#include "write_rules.hpp"

extern "C" {
#include "access/htup_details.h"
#include "commands/trigger.h"
#include "utils/timestamp.h"
}

namespace kinde_claims {
namespace {

constexpr const char *kTriggerName = "kinde_claims.profiles_before_write()";

HeapTuple profile_before_write(TriggerData *data) {
    TupleDesc desc = RelationGetDescr(data->tg_relation);
    bool is_update = TRIGGER_FIRED_BY_UPDATE(data->tg_event);
    HeapTuple row = is_update ? data->tg_newtuple : data->tg_trigtuple;

    ProfileRow profile = profile_row(row, desc);
    if (profile.kinde_id == nullptr)
        throw pg::Error(rules::null_kinde_id());
    kinde_id_check(profile.kinde_id);

    if (!is_update) {
        if (profile.claims != nullptr)
            claims_check(profile.claims, nullptr, profile.kinde_id);
        return row;
    }
    ProfileRow old_profile = profile_row(data->tg_trigtuple, desc);
    // Claims passed the rules when they were stored. Checking them again would let a lowered
    // kinde_claims.max_claims_bytes, or a rule added later, block unrelated changes such as
    // revoking lifetime_subscriber; claims_check likewise skips the claims this write keeps.
    if (profile.claims != nullptr && !same_bytes(old_profile.claims, profile.claims))
        claims_check(profile.claims, old_profile.claims);
    if (text_equal(old_profile.kinde_id, profile.kinde_id) && token_claims_equal(old_profile, profile))
        return row;
    int columns[1] = {profiles_catalog().updated_at};
    Datum values[1] = {TimestampTzGetDatum(GetCurrentTransactionStartTimestamp())};
    bool nulls[1] = {false};
    return heap_modify_tuple_by_cols(row, desc, 1, columns, values, nulls);
}

}  // namespace
}  // namespace kinde_claims

KC_FUNCTION(kinde_claims_profiles_before_write) {
    TriggerData *data = kinde_claims::row_trigger_data(
        fcinfo, kinde_claims::kTriggerName, kinde_claims::RowTriggerFires::before_insert_or_update);
    return PointerGetDatum(kinde_claims::profile_before_write(data));
}
