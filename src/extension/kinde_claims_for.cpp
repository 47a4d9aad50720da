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

// The speed tricks below each have a KC_ABLATE_* switch that turns them off, for bench/ablate
// only: bench/results/latest.md shows what each one saves.

#ifndef KC_ABLATE_HELD_LOCKS
// What this backend last locked, and in which (sub)transaction. The locks are kept until that
// transaction ends or that subtransaction rolls back, so while all of it matches, a call opens
// the table and index without asking the lock manager again: a token lookup is cheap enough
// that two lock-table probes per call show in its cost.
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

#ifndef KC_ABLATE_LOOKUP_SLOT
// One slot for every call, made again only after the table changed or a call failed half-way:
// creating and dropping a slot per call is a measurable share of a lookup. It holds a copy of
// the row type, so it pins nothing between calls.
struct LookupSlot {
    MemoryContext context = nullptr;
    TupleTableSlot *slot = nullptr;
    uint64 generation = 0;
};
LookupSlot lookup_slot;

TupleTableSlot *profile_slot(Relation profiles, const ProfilesCatalog &catalog) {
    // A slot left holding a row was abandoned by an error, whose abort already dropped its pin.
    if (lookup_slot.slot && lookup_slot.generation == catalog.generation && TTS_EMPTY(lookup_slot.slot))
        return lookup_slot.slot;
    if (lookup_slot.context)
        MemoryContextReset(lookup_slot.context);
    else
        lookup_slot.context =
            AllocSetContextCreate(TopMemoryContext, "kinde_claims lookup slot", ALLOCSET_SMALL_SIZES);
    MemoryContext caller_context = MemoryContextSwitchTo(lookup_slot.context);
    lookup_slot.slot = MakeSingleTupleTableSlot(CreateTupleDescCopy(RelationGetDescr(profiles)),
                                                table_slot_callbacks(profiles));
    MemoryContextSwitchTo(caller_context);
    lookup_slot.generation = catalog.generation;
    return lookup_slot.slot;
}

void release_slot(TupleTableSlot *slot) {
    ExecClearTuple(slot);
}
#else
TupleTableSlot *profile_slot(Relation profiles, const ProfilesCatalog &) {
    return table_slot_create(profiles, nullptr);
}

void release_slot(TupleTableSlot *slot) {
    ExecDropSingleTupleTableSlot(slot);
}
#endif

// The equality key on kinde_id, compared under the index's collation.
void kinde_id_key(ScanKey key, Relation index, text *kinde_id) {
#ifndef KC_ABLATE_TEXTEQ_INFO
    // texteq's call info, looked up once: ScanKeyInit would look it up again on every call.
    static FmgrInfo texteq_info;
    if (texteq_info.fn_oid == InvalidOid)
        fmgr_info_cxt(F_TEXTEQ, &texteq_info, TopMemoryContext);
    ScanKeyEntryInitializeWithInfo(key, 0, 1, BTEqualStrategyNumber, InvalidOid, index->rd_indcollation[0],
                                   &texteq_info, PointerGetDatum(kinde_id));
#else
    ScanKeyEntryInitialize(key, 0, 1, BTEqualStrategyNumber, InvalidOid, index->rd_indcollation[0], F_TEXTEQ,
                           PointerGetDatum(kinde_id));
#endif
}

}  // namespace

Jsonb *profile_token_claims(text *kinde_id) {
    const ProfilesCatalog &catalog = profiles_catalog();
    LOCKMODE lock = lock_to_take(catalog);
    Relation profiles = table_open(catalog.profiles, lock);
    Relation index = index_open(catalog.kinde_id_index, lock);
    remember_locks(lock, catalog);

    ScanKeyData key;
    kinde_id_key(&key, index, kinde_id);

    TupleTableSlot *slot = profile_slot(profiles, catalog);
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
    release_slot(slot);
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
