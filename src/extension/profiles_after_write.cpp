// AFTER INSERT OR UPDATE OR DELETE row trigger on kinde_claims.profiles: when what a user's
// token carries has changed, add an entry to the claims history and NOTIFY kinde_claims_changed
// with {"kinde_id": ..., "op": ...} so an app can refresh that user's token (unless
// kinde_claims.notify is off: the history entry is written either way). A missing profile
// carries the defaults, so inserting or deleting a default profile, or an update that changes
// nothing a token shows, stays silent.
#include "catalog.hpp"
#include "history.hpp"
#include "organizations.hpp"
#include "pg_helpers.hpp"
#include "settings.hpp"
#include "token.hpp"

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
    if (notify)
        notify_changed(kinde_id, op);
}

// The same token bytes? kinde_claims_for returns the stored bytes, so memberships' stored
// tokens follow any change of them (NULL and {} alike).
bool same_token_bytes(const ProfileRow &a, const ProfileRow &b) {
    return a.lifetime_subscriber == b.lifetime_subscriber && claims_same_bytes(a.claims, b.claims);
}

// A user's token reaches every organization the user is a member of: their stored tokens are
// rewritten, and larger claims checked against the merged-size guarantee (member_tokens.cpp).
// A user with no memberships costs one index probe. A restore's COPY brings the tokens back
// with the memberships rows.
void organizations_follow(const ProfileRow &before, const ProfileRow &after, Oid relid) {
    if (same_token_bytes(before, after) || !organizations_installed() || copy_from_into(relid))
        return;
    bool grew = !claims_empty(after.claims) && !same_bytes(before.claims, after.claims);
    user_memberships_changed(after.kinde_id, grew);
}

void profile_after_write(TriggerData *data) {
    TupleDesc desc = RelationGetDescr(data->tg_relation);
    Oid relid = RelationGetRelid(data->tg_relation);
    if (TRIGGER_FIRED_BY_INSERT(data->tg_event)) {
        ProfileRow created = profile_row(data->tg_trigtuple, desc);
        const ProfileRow defaults{created.kinde_id, false, nullptr};
        organizations_follow(defaults, created, relid);
        if (!token_claims_equal(created, defaults))
            token_changed(created.kinde_id, "insert", defaults, created);
    } else if (TRIGGER_FIRED_BY_DELETE(data->tg_event)) {
        ProfileRow deleted = profile_row(data->tg_trigtuple, desc);
        const ProfileRow defaults{deleted.kinde_id, false, nullptr};
        organizations_follow(deleted, defaults, relid);
        if (!token_claims_equal(deleted, defaults))
            token_changed(deleted.kinde_id, "delete", deleted, defaults);
    } else {
        ProfileRow before = profile_row(data->tg_trigtuple, desc);
        ProfileRow after = profile_row(data->tg_newtuple, desc);
        if (text_equal(before.kinde_id, after.kinde_id)) {
            organizations_follow(before, after, relid);
            if (!token_claims_equal(before, after))
                token_changed(after.kinde_id, "update", before, after);
        } else {
            // The profile moved to another user: the old id now gets the defaults.
            const ProfileRow old_defaults{before.kinde_id, false, nullptr};
            const ProfileRow new_defaults{after.kinde_id, false, nullptr};
            organizations_follow(before, old_defaults, relid);
            organizations_follow(new_defaults, after, relid);
            if (!token_claims_equal(before, old_defaults))
                token_changed(before.kinde_id, "update", before, old_defaults);
            if (!token_claims_equal(after, new_defaults))
                token_changed(after.kinde_id, "update", new_defaults, after);
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
