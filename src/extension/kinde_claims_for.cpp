// kinde_claims_for(user_id text, org_code text DEFAULT NULL) RETURNS jsonb: what a user's token
// carries, for the organization the user signed into when there is one.
// The token path: one probe of a unique index: the profile's, or with an organization the
// membership's, whose row holds the member's whole token (kept by the writes, member_tokens.cpp).
// A non-member's call probes the membership, then the profile. No parsing, no planning, no SPI.
// Read-only, so it runs on a hot standby and inside PostgREST's READ ONLY transaction.
#include "catalog.hpp"
#include "token.hpp"
#include "transaction_local.hpp"
#include "write_rules.hpp"

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

#ifndef KC_ABLATE_HELD_LOCKS
// What this backend last locked for one table and its index, and in which (sub)transaction. The
// locks are kept until that transaction ends or that subtransaction rolls back, so while all of
// it matches, a call opens the table and index without asking the lock manager again: a token
// lookup is cheap enough that two lock-table probes per call show in its cost (bench/ablate
// turns this off with KC_ABLATE_HELD_LOCKS to show how much: bench/results/latest.md).
struct HeldLocks {
    struct Relations {
        Oid table;
        Oid index;
    };
    TransactionLocal<Relations> held;

    LOCKMODE lock_to_take(Oid table_oid, Oid index_oid) const {
        const Relations *relations = held.get();
        bool locked = relations && relations->table == table_oid && relations->index == index_oid;
        return locked ? NoLock : AccessShareLock;
    }
    void remember(LOCKMODE lock, Oid table_oid, Oid index_oid) {
        if (lock != NoLock)
            held.set({table_oid, index_oid});
    }
};
#else
struct HeldLocks {
    LOCKMODE lock_to_take(Oid, Oid) const {
        return AccessShareLock;
    }
    void remember(LOCKMODE, Oid, Oid) {}
};
#endif
HeldLocks profile_locks, membership_locks, organization_locks;

// One probe of a unique index: the row whose index keys equal `keys` (in index column order).
// `on_row` runs with the row in `slot` while its buffer is pinned (an untoasted value points into
// it); returns whether there was such a row. The locks stay until the transaction ends, as a
// SELECT's do (see HeldLocks).
template <typename OnRow>
bool probe(HeldLocks &held, Oid table_oid, Oid index_oid, text *const *keys, int nkeys, OnRow on_row) {
    LOCKMODE lock = held.lock_to_take(table_oid, index_oid);
    Relation table = table_open(table_oid, lock);
    Relation index = index_open(index_oid, lock);
    held.remember(lock, table_oid, index_oid);

    ScanKeyData key[2];
    for (int i = 0; i < nkeys; ++i)
        ScanKeyEntryInitialize(&key[i], 0, static_cast<AttrNumber>(i + 1), BTEqualStrategyNumber, InvalidOid,
                               index->rd_indcollation[i], F_TEXTEQ, PointerGetDatum(keys[i]));

    TupleTableSlot *slot = table_slot_create(table, nullptr);
    IndexScanDesc scan = index_beginscan(table, index, GetActiveSnapshot(), nkeys, 0);
    index_rescan(scan, key, nkeys, nullptr, 0);
    bool found = index_getnext_slot(scan, ForwardScanDirection, slot);
    if (found)
        on_row(slot);
    index_endscan(scan);
    ExecDropSingleTupleTableSlot(slot);
    index_close(index, NoLock);
    table_close(table, NoLock);
    return found;
}

// A jsonb column of the row in `slot`, copied out of the buffer; nullptr for NULL or {}.
Jsonb *claims_copy(TupleTableSlot *slot, AttrNumber column) {
    bool isnull;
    Datum value = slot_getattr(slot, column, &isnull);
    if (isnull)
        return nullptr;
    Jsonb *claims = DatumGetJsonbPCopy(value);
    return claims_empty(claims) ? nullptr : claims;
}

// The stored token of the user's membership of the organization (`*token`), or, when the row
// has none stored (a COPY left it out), the claims of the organization and of the membership.
// The organization's claims count only for a member the database knows of: that keeps every
// token carrying them among the ones its change refreshes, and its size check bounded by its
// members. False when the user is not a member, or neither part has claims for this user (the
// token is then exactly the user-only one).
bool organization_parts(text *kinde_id, text *org_code, Jsonb **token, Jsonb **organization,
                        Jsonb **membership) {
    const OrganizationsCatalog &catalog = organizations_catalog();
    *token = *organization = *membership = nullptr;
    text *membership_key[2] = {kinde_id, org_code};
    bool member = probe(membership_locks, catalog.memberships, catalog.memberships_pkey, membership_key, 2,
                        [&](TupleTableSlot *slot) {
                            bool isnull;
                            Datum stored = slot_getattr(slot, catalog.membership_token, &isnull);
                            if (!isnull)
                                *token = DatumGetJsonbPCopy(stored);
                            else
                                *membership = claims_copy(slot, catalog.membership_claims);
                        });
    if (!member)
        return false;
    if (*token != nullptr)
        return true;
    text *organization_key[1] = {org_code};
    probe(organization_locks, catalog.organizations, catalog.organizations_pkey, organization_key, 1,
          [&](TupleTableSlot *slot) { *organization = claims_copy(slot, catalog.organization_claims); });
    return *organization != nullptr || *membership != nullptr;
}

}  // namespace

Jsonb *profile_token_claims(text *kinde_id, text *org_code) {
    Jsonb *token = nullptr, *organization = nullptr, *membership = nullptr;
    bool merge =
        org_code != nullptr && organization_parts(kinde_id, org_code, &token, &organization, &membership);
    if (token != nullptr)
        return token;

    const ProfilesCatalog &catalog = profiles_catalog();
    Jsonb *result = nullptr;
    auto build = [&](bool lifetime_subscriber, Jsonb *user) {
        result = merge ? token_claims_build_merged(lifetime_subscriber, user, organization, membership)
                       : token_claims_build(lifetime_subscriber, user);
    };
    text *profile_key[1] = {kinde_id};
    bool found = probe(profile_locks, catalog.profiles, catalog.kinde_id_index, profile_key, 1,
                       [&](TupleTableSlot *slot) {
                           bool isnull;
                           bool lifetime_subscriber =
                               DatumGetBool(slot_getattr(slot, catalog.lifetime_subscriber, &isnull)) && !isnull;
                           Datum claims = slot_getattr(slot, catalog.claims, &isnull);
                           // Built while the buffer is pinned: an untoasted value points into it.
                           build(lifetime_subscriber, isnull ? nullptr : DatumGetJsonbP(claims));
                       });
    if (!found)
        build(false, nullptr);
    return result;
}

}  // namespace kinde_claims

KC_FUNCTION(kinde_claims_for) {
    text *user_id = kinde_claims::kinde_id_argument(fcinfo, 0);
    // The 0.5.0 SQL definition has one argument: PG_NARGS keeps this library serving it until
    // ALTER EXTENSION UPDATE runs. NULL org_code is a token with no organization.
    text *org_code = nullptr;
    if (PG_NARGS() > 1 && !PG_ARGISNULL(1))
        org_code = kinde_claims::org_code_argument(fcinfo, 1);
    PG_RETURN_JSONB_P(kinde_claims::profile_token_claims(user_id, org_code));
}
