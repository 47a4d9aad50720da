// Where the extension's tables are: their OIDs and column numbers, resolved by schema-qualified
// name once per backend and forgotten when the relcache says they changed (profiles_catalog.cpp),
// the tables' owner, and which objects a database's SQL version has.
#pragma once

#include "pg_boundary.hpp"

extern "C" {
#include "access/attnum.h"
}

namespace kinde_claims {

// OIDs and column numbers of kinde_claims.profiles, resolved by schema-qualified name once per
// backend and forgotten when the relcache says the table or its index changed (DROP EXTENSION).
struct ProfilesCatalog {
    Oid profiles;
    Oid kinde_id_index;
    AttrNumber kinde_id;
    AttrNumber lifetime_subscriber;
    AttrNumber claims;
    AttrNumber updated_at;
};
const ProfilesCatalog &profiles_catalog();
// The owner of kinde_claims.profiles: the writes that run as the caller switch to it, and the
// extension's internal statements run as that role, so a direct writer of one table needs no
// privilege on the others.
Oid profiles_owner();
// The same for kinde_claims.organizations and kinde_claims.memberships (0.6.0 on).
struct OrganizationsCatalog {
    Oid organizations;
    Oid organizations_pkey;  // (org_code)
    AttrNumber organization_org_code;
    AttrNumber organization_claims;
    Oid memberships;
    Oid memberships_pkey;  // (kinde_id, org_code)
    AttrNumber membership_kinde_id;
    AttrNumber membership_org_code;
    AttrNumber membership_claims;
    AttrNumber membership_token;  // the stored token (NULL: not stored)
};
const OrganizationsCatalog &organizations_catalog();
// False in a database still at a version before 0.6.0 (the library updated, the SQL not yet).
bool organizations_installed();
// Whether kinde_claims.member_token(jsonb, boolean, jsonb, jsonb), the merge rule of a member's
// token (0.9.0), exists in this database; looked up again after any change of pg_proc.
bool member_token_installed();
void profiles_catalog_register_invalidation();
// kinde_profile_upsert_trigger keeps each trigger's parsed arguments until its table changes.
void upsert_trigger_register_invalidation();
// kinde_claims_access_token_hook keeps where auth.identities is until the relcache says it changed.
void access_token_hook_register_invalidation();

}  // namespace kinde_claims
