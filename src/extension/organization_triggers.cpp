// The row triggers of kinde_claims.organizations and kinde_claims.memberships (organizations.hpp
// tells the design): every write, through the functions or straight into the tables, has its
// keys and claims checked, and a change that reaches a token rewrites the stored tokens, checks
// the merged size and adds the members' history entries (member_tokens.cpp).
#include "member_tokens.hpp"

#include <string>

extern "C" {
#include "access/htup_details.h"
#include "commands/trigger.h"
#include "utils/rel.h"
}

namespace kinde_claims {
namespace {

constexpr const char *kOrganizationsTrigger = "kinde_claims.organizations_after_write()";
constexpr const char *kMembershipsTrigger = "kinde_claims.memberships_after_write()";
constexpr const char *kMembershipsBeforeTrigger = "kinde_claims.memberships_before_write()";

// The TriggerData of one of these triggers, fired as `fires` allows on `table` (39P01 if not:
// the columns are read by the numbers the catalog resolved for that table).
TriggerData *trigger_data(FunctionCallInfo fcinfo, const char *trigger_name, RowTriggerFires fires, Oid table,
                          const char *table_name) {
    TriggerData *data = row_trigger_data(fcinfo, trigger_name, fires);
    if (RelationGetRelid(data->tg_relation) != table)
        throw pg::Error(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED,
                        std::string(trigger_name) + " must be a trigger on kinde_claims." + table_name);
    return data;
}

text *text_column(HeapTuple row, TupleDesc desc, AttrNumber column) {
    bool isnull;
    Datum value = heap_getattr(row, column, desc, &isnull);
    return isnull ? nullptr : DatumGetTextPP(value);
}

Jsonb *claims_column(HeapTuple row, TupleDesc desc, AttrNumber column) {
    bool isnull;
    Datum value = heap_getattr(row, column, desc, &isnull);
    return isnull ? nullptr : DatumGetJsonbP(value);
}

void claims_column_check(Jsonb *claims) {
    if (claims == nullptr)
        throw pg::Error(ERRCODE_NOT_NULL_VIOLATION, "claims must not be null", "Use {} for no claims.");
    claims_check(claims);
}

void key_unchanged(text *before, text *after, const char *what) {
    if (!text_equal(before, after))
        throw pg::Error(ERRCODE_FEATURE_NOT_SUPPORTED, std::string(what) + " cannot be changed",
                        "Delete the row and create the new one.");
}

// An organization row's key: present and valid (22004 / 22023), as the API checks it.
void organization_key_check(text *org_code) {
    if (org_code == nullptr)
        throw pg::Error(rules::null_org_code());
    org_code_check(org_code);
}

// A membership row's key: both parts present and valid (22004 / 22023), as the API checks them.
void membership_key_check(text *kinde_id, text *org_code) {
    if (kinde_id == nullptr)
        throw pg::Error(rules::null_kinde_id());
    kinde_id_check(kinde_id);
    organization_key_check(org_code);
}

// AFTER INSERT OR UPDATE OR DELETE on organizations: the row follows the rules, and a change of
// its claims reaches its members' stored tokens, their merged sizes and their history.
void organization_after_write(TriggerData *data) {
    const OrganizationsCatalog &catalog = organizations_catalog();
    TupleDesc desc = RelationGetDescr(data->tg_relation);
    HeapTuple old_row = TRIGGER_FIRED_BY_INSERT(data->tg_event) ? nullptr : data->tg_trigtuple;
    HeapTuple new_row = TRIGGER_FIRED_BY_INSERT(data->tg_event)   ? data->tg_trigtuple
                        : TRIGGER_FIRED_BY_UPDATE(data->tg_event) ? data->tg_newtuple
                                                                  : nullptr;
    text *org_code = text_column(new_row ? new_row : old_row, desc, catalog.organization_org_code);
    Jsonb *before = old_row ? claims_column(old_row, desc, catalog.organization_claims) : nullptr;
    Jsonb *after = new_row ? claims_column(new_row, desc, catalog.organization_claims) : nullptr;
    if (new_row) {
        organization_key_check(org_code);
        if (old_row)
            key_unchanged(text_column(old_row, desc, catalog.organization_org_code), org_code,
                          "an organization's org_code");
        // As for profiles: claims stored earlier passed the rules of their time.
        if (!same_bytes(before, after))
            claims_column_check(after);
    }
    // Does this change change a token? Its JSON text counts (kinde_claims_for returns the
    // stored bytes), NULL and {} alike.
    if (claims_same_bytes(before, after))
        return;
    // pg_restore's COPY brings rows back in any order (memberships before organizations): the
    // sums were checked and the members' tokens stored when the rows were first written.
    if (!copy_from_into(RelationGetRelid(data->tg_relation)))
        organization_members_changed(org_code, !claims_empty(after) && !claims_equal(before, after));
    if (!claims_equal(before, after))
        organization_history(RelationGetRelid(data->tg_relation), org_code, before, after);
}

// BEFORE INSERT OR UPDATE on memberships: the row's keys follow the rules, its parents exist
// and are share-locked, and its token is computed from them (whatever token the write gave).
HeapTuple membership_before_write(TriggerData *data) {
    const OrganizationsCatalog &catalog = organizations_catalog();
    TupleDesc desc = RelationGetDescr(data->tg_relation);
    bool inserted = TRIGGER_FIRED_BY_INSERT(data->tg_event);
    HeapTuple old_row = inserted ? nullptr : data->tg_trigtuple;
    HeapTuple new_row = inserted ? data->tg_trigtuple : data->tg_newtuple;
    // A restore brings back the token dumped with the row, which one snapshot of all three
    // tables made (its parents may come later); NULL (not given) is merged at read time.
    if (copy_from_into(RelationGetRelid(data->tg_relation)))
        return new_row;
    text *kinde_id = text_column(new_row, desc, catalog.membership_kinde_id);
    text *org_code = text_column(new_row, desc, catalog.membership_org_code);
    Jsonb *claims = claims_column(new_row, desc, catalog.membership_claims);
    if (old_row && token_rewrite_running() &&
        text_equal(text_column(old_row, desc, catalog.membership_kinde_id), kinde_id) &&
        text_equal(text_column(old_row, desc, catalog.membership_org_code), org_code) &&
        same_bytes(claims_column(old_row, desc, catalog.membership_claims), claims))
        return new_row;  // the rewrite computed this token under its locks
    membership_key_check(kinde_id, org_code);
    if (!parents_already_locked(kinde_id, org_code))
        lock_membership_parents(kinde_id, org_code);
    Jsonb *token = membership_token(kinde_id, org_code, claims);
    int column = catalog.membership_token;
    Datum value = JsonbPGetDatum(token);
    bool isnull = token == nullptr;
    return heap_modify_tuple_by_cols(new_row, desc, 1, &column, &value, &isnull);
}

// AFTER INSERT OR UPDATE OR DELETE on memberships: the keys stay, the claims follow the rules,
// a new or changed membership fits the merged size, and the member's history gets its entry.
void membership_after_write(TriggerData *data) {
    const OrganizationsCatalog &catalog = organizations_catalog();
    TupleDesc desc = RelationGetDescr(data->tg_relation);
    bool inserted = TRIGGER_FIRED_BY_INSERT(data->tg_event);
    HeapTuple old_row = inserted ? nullptr : data->tg_trigtuple;
    HeapTuple new_row = inserted                                  ? data->tg_trigtuple
                        : TRIGGER_FIRED_BY_UPDATE(data->tg_event) ? data->tg_newtuple
                                                                  : nullptr;
    HeapTuple row = new_row ? new_row : old_row;
    text *kinde_id = text_column(row, desc, catalog.membership_kinde_id);
    text *org_code = text_column(row, desc, catalog.membership_org_code);
    Jsonb *before = old_row ? claims_column(old_row, desc, catalog.membership_claims) : nullptr;
    Jsonb *after = new_row ? claims_column(new_row, desc, catalog.membership_claims) : nullptr;
    if (new_row) {
        membership_key_check(kinde_id, org_code);
        if (old_row) {
            key_unchanged(text_column(old_row, desc, catalog.membership_kinde_id), kinde_id,
                          "a membership's kinde_id");
            key_unchanged(text_column(old_row, desc, catalog.membership_org_code), org_code,
                          "a membership's org_code");
        }
        if (!same_bytes(before, after))
            claims_column_check(after);
        // A new membership brings the organization's claims into the user's token, even with {}.
        // Not under pg_restore's COPY: it must not create parents that its own COPY brings later.
        if ((inserted || !claims_equal(before, after)) &&
            !copy_from_into(RelationGetRelid(data->tg_relation)))
            merged_size_check_membership(kinde_id, org_code);
    }
    if (!inserted && new_row && claims_equal(before, after))
        return;
    membership_history(RelationGetRelid(data->tg_relation), kinde_id, org_code,
                       before ? before : (inserted ? nullptr : empty_object()),
                       new_row ? (after ? after : empty_object()) : nullptr);
}

}  // namespace
}  // namespace kinde_claims

KC_FUNCTION(kinde_claims_organizations_after_write) {
    TriggerData *data = kinde_claims::trigger_data(
        fcinfo, kinde_claims::kOrganizationsTrigger, kinde_claims::RowTriggerFires::after_any,
        kinde_claims::organizations_catalog().organizations, "organizations");
    kinde_claims::organization_after_write(data);
    return PointerGetDatum(nullptr);
}

KC_FUNCTION(kinde_claims_memberships_before_write) {
    TriggerData *data =
        kinde_claims::trigger_data(fcinfo, kinde_claims::kMembershipsBeforeTrigger,
                                   kinde_claims::RowTriggerFires::before_insert_or_update,
                                   kinde_claims::organizations_catalog().memberships, "memberships");
    return PointerGetDatum(kinde_claims::membership_before_write(data));
}

KC_FUNCTION(kinde_claims_memberships_after_write) {
    TriggerData *data = kinde_claims::trigger_data(
        fcinfo, kinde_claims::kMembershipsTrigger, kinde_claims::RowTriggerFires::after_any,
        kinde_claims::organizations_catalog().memberships, "memberships");
    kinde_claims::membership_after_write(data);
    return PointerGetDatum(nullptr);
}
