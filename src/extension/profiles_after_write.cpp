// AFTER INSERT OR UPDATE OR DELETE row trigger on kinde_claims.profiles: when what a user's
// token carries has changed, add an entry to the claims history and NOTIFY kinde_claims_changed
// with {"kinde_id": ..., "op": ...} so an app can refresh that user's token. A missing profile
// carries the defaults, so inserting or deleting a default profile, or an update that changes
// nothing a token shows, stays silent.
#include "kinde_claims.hpp"

extern "C" {
#include "commands/async.h"
#include "commands/trigger.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"
}

namespace kinde_claims {
namespace {

constexpr const char *kTriggerName = "kinde_claims.profiles_after_write()";
constexpr const char *kChannel = "kinde_claims_changed";

void notify_changed(text *kinde_id, const char *op) {
    StringInfoData payload;
    initStringInfo(&payload);
    appendStringInfoString(&payload, "{\"kinde_id\": ");
    char *id = text_to_cstring(kinde_id);
    escape_json(&payload, id);
    appendStringInfo(&payload, ", \"op\": \"%s\"}", op);
    Async_Notify(kChannel, payload.data);
    pfree(id);
    pfree(payload.data);
}

void token_changed(text *kinde_id, const char *op, const ProfileRow &before, const ProfileRow &after) {
    history_record(kinde_id, before, after);
    notify_changed(kinde_id, op);
}

bool same_bytes(Jsonb *a, Jsonb *b) {
    return a != nullptr && b != nullptr && VARSIZE(a) == VARSIZE(b) && memcmp(a, b, VARSIZE(a)) == 0;
}

// Larger claims of a user reach every organization the user is a member of: the merged-size
// guarantee (organizations.cpp) is checked for each.
void organizations_size_check(const ProfileRow *before, const ProfileRow &after) {
    if (after.claims == nullptr || JB_ROOT_COUNT(after.claims) == 0)
        return;
    if (before != nullptr && kinde_id_equal(before->kinde_id, after.kinde_id) && same_bytes(before->claims, after.claims))
        return;
    if (!copy_in_progress() && organizations_installed())
        merged_size_check_user(after.kinde_id);
}

void profile_after_write(TriggerData *data) {
    TupleDesc desc = RelationGetDescr(data->tg_relation);
    const ProfileRow defaults{nullptr, false, nullptr};
    if (TRIGGER_FIRED_BY_INSERT(data->tg_event)) {
        ProfileRow created = profile_row(data->tg_trigtuple, desc);
        organizations_size_check(nullptr, created);
        if (!token_claims_equal(created, defaults))
            token_changed(created.kinde_id, "insert", defaults, created);
    } else if (TRIGGER_FIRED_BY_DELETE(data->tg_event)) {
        ProfileRow deleted = profile_row(data->tg_trigtuple, desc);
        if (!token_claims_equal(deleted, defaults))
            token_changed(deleted.kinde_id, "delete", deleted, defaults);
    } else {
        ProfileRow before = profile_row(data->tg_trigtuple, desc);
        ProfileRow after = profile_row(data->tg_newtuple, desc);
        organizations_size_check(&before, after);
        if (kinde_id_equal(before.kinde_id, after.kinde_id)) {
            if (!token_claims_equal(before, after))
                token_changed(after.kinde_id, "update", before, after);
        } else {
            // The profile moved to another user: the old id now gets the defaults.
            if (!token_claims_equal(before, defaults))
                token_changed(before.kinde_id, "update", before, defaults);
            if (!token_claims_equal(after, defaults))
                token_changed(after.kinde_id, "update", defaults, after);
        }
    }
}

}  // namespace
}  // namespace kinde_claims

KC_FUNCTION(kinde_claims_profiles_after_write) {
    TriggerData *data = kinde_claims::row_trigger_data(fcinfo, kinde_claims::kTriggerName,
                                                       kinde_claims::RowTriggerFires::after_any);
    kinde_claims::profile_after_write(data);
    return PointerGetDatum(nullptr);
}
