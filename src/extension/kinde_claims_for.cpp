// kinde_claims_for(user_id text) RETURNS jsonb: what a user's token carries.
// The token path: one probe of the unique index on kinde_id, no parsing, no planning, no SPI.
// Read-only, so it runs on a hot standby and inside PostgREST's READ ONLY transaction.
#include "kinde_claims.hpp"

extern "C" {
#include "access/genam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "executor/tuptable.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
}

namespace kinde_claims {
namespace {

// The token object of the profile with this id, or of an unknown user.
Jsonb *profile_token_claims(text *kinde_id) {
    const ProfilesCatalog &catalog = profiles_catalog();
    Relation profiles = table_open(catalog.profiles, AccessShareLock);
    Relation index = index_open(catalog.kinde_id_index, AccessShareLock);

    ScanKeyData key;
    ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_TEXTEQ, PointerGetDatum(kinde_id));
    key.sk_collation = index->rd_indcollation[0];

    TupleTableSlot *slot = table_slot_create(profiles, nullptr);
    IndexScanDesc scan = index_beginscan(profiles, index, GetActiveSnapshot(), 1, 0);
    index_rescan(scan, &key, 1, nullptr, 0);

    Jsonb *result;
    if (index_getnext_slot(scan, ForwardScanDirection, slot)) {
        bool isnull;
        bool lifetime_subscriber =
            DatumGetBool(slot_getattr(slot, catalog.lifetime_subscriber, &isnull)) && !isnull;
        Datum claims = slot_getattr(slot, catalog.claims, &isnull);
        // Built before the scan ends: an untoasted claims value points into the pinned buffer.
        result = token_claims_build(lifetime_subscriber, isnull ? nullptr : DatumGetJsonbP(claims));
    } else {
        result = token_claims_build(false, nullptr);
    }

    index_endscan(scan);
    ExecDropSingleTupleTableSlot(slot);
    index_close(index, AccessShareLock);
    table_close(profiles, AccessShareLock);
    return result;
}

}  // namespace
}  // namespace kinde_claims

KC_FUNCTION(kinde_claims_for) {
    text *user_id = kinde_claims::kinde_id_argument(fcinfo, 0);
    PG_RETURN_JSONB_P(kinde_claims::profile_token_claims(user_id));
}
