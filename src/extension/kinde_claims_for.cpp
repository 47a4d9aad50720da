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
#include "access/xact.h"
#include "executor/tuptable.h"
#include "storage/proc.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
}

namespace kinde_claims {
namespace {

#ifndef KC_ABLATE_HELD_LOCKS
// What this backend last locked, and in which (sub)transaction. The locks are kept until that
// transaction ends or that subtransaction rolls back, so while all of it matches, a call opens
// the table and index without asking the lock manager again: a token lookup is cheap enough
// that two lock-table probes per call show in its cost (bench/ablate turns this off with
// KC_ABLATE_HELD_LOCKS to show how much: bench/results/latest.md).
struct HeldLocks {
    LocalTransactionId transaction = InvalidLocalTransactionId;
    SubTransactionId subtransaction = InvalidSubTransactionId;
    Oid profiles = InvalidOid;
    Oid kinde_id_index = InvalidOid;
};
HeldLocks held_locks;

LOCKMODE lock_to_take(const ProfilesCatalog &catalog) {
    if (held_locks.transaction == MyProc->lxid && held_locks.subtransaction == GetCurrentSubTransactionId() &&
        held_locks.profiles == catalog.profiles && held_locks.kinde_id_index == catalog.kinde_id_index)
        return NoLock;
    return AccessShareLock;
}

void remember_locks(LOCKMODE lock, const ProfilesCatalog &catalog) {
    if (lock != NoLock)
        held_locks = {MyProc->lxid, GetCurrentSubTransactionId(), catalog.profiles, catalog.kinde_id_index};
}
#else
LOCKMODE lock_to_take(const ProfilesCatalog &) {
    return AccessShareLock;
}
void remember_locks(LOCKMODE, const ProfilesCatalog &) {}
#endif

}  // namespace

Jsonb *profile_token_claims(text *kinde_id) {
    const ProfilesCatalog &catalog = profiles_catalog();
    LOCKMODE lock = lock_to_take(catalog);
    Relation profiles = table_open(catalog.profiles, lock);
    Relation index = index_open(catalog.kinde_id_index, lock);
    remember_locks(lock, catalog);

    ScanKeyData key;
    ScanKeyEntryInitialize(&key, 0, 1, BTEqualStrategyNumber, InvalidOid, index->rd_indcollation[0], F_TEXTEQ,
                           PointerGetDatum(kinde_id));

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
    // The locks stay until the transaction ends, as a SELECT's do.
    index_close(index, NoLock);
    table_close(profiles, NoLock);
    return result;
}

}  // namespace kinde_claims

KC_FUNCTION(kinde_claims_for) {
    text *user_id = kinde_claims::kinde_id_argument(fcinfo, 0);
    PG_RETURN_JSONB_P(kinde_claims::profile_token_claims(user_id));
}
