// Reading a row of kinde_claims.profiles as the token it gives, for the row triggers.
#include "catalog.hpp"
#include "pg_helpers.hpp"
#include "token.hpp"

extern "C" {
#include "access/htup_details.h"
#include "commands/trigger.h"
}

namespace kinde_claims {

ProfileRow profile_row(HeapTuple row, TupleDesc desc) {
    const ProfilesCatalog &catalog = profiles_catalog();
    ProfileRow profile{};
    bool isnull;
    Datum value = heap_getattr(row, catalog.kinde_id, desc, &isnull);
    profile.kinde_id = isnull ? nullptr : DatumGetTextPP(value);
    value = heap_getattr(row, catalog.lifetime_subscriber, desc, &isnull);
    profile.lifetime_subscriber = !isnull && DatumGetBool(value);
    value = heap_getattr(row, catalog.claims, desc, &isnull);
    profile.claims = isnull ? nullptr : DatumGetJsonbP(value);
    return profile;
}

bool token_claims_equal(const ProfileRow &a, const ProfileRow &b) {
    return a.lifetime_subscriber == b.lifetime_subscriber && claims_equal(a.claims, b.claims);
}

TriggerData *row_trigger_data(FunctionCallInfo fcinfo, const char *trigger_name, RowTriggerFires fires) {
    if (!CALLED_AS_TRIGGER(fcinfo))
        throw pg::Error(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED,
                        std::string(trigger_name) + " must be called as a trigger");
    auto *data = reinterpret_cast<TriggerData *>(fcinfo->context);
    if (!TRIGGER_FIRED_FOR_ROW(data->tg_event))
        throw pg::Error(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED,
                        std::string(trigger_name) + " must be a FOR EACH ROW trigger");
    switch (fires) {
    case RowTriggerFires::before_insert_or_update:
        if (!TRIGGER_FIRED_BEFORE(data->tg_event) || TRIGGER_FIRED_BY_DELETE(data->tg_event))
            throw pg::Error(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED,
                            std::string(trigger_name) + " must fire BEFORE INSERT OR UPDATE");
        break;
    case RowTriggerFires::after_any:
        if (!TRIGGER_FIRED_AFTER(data->tg_event))
            throw pg::Error(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED,
                            std::string(trigger_name) + " must fire AFTER INSERT, UPDATE or DELETE", {},
                            "Create it as AFTER INSERT OR UPDATE OR DELETE ... FOR EACH ROW.");
        break;
    }
    return data;
}

}  // namespace kinde_claims
