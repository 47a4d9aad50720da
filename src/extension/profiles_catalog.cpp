// Resolves kinde_claims.profiles by schema-qualified name, never through search_path, and keeps
// the answer until the relcache invalidates the table or its index.
#include "catalog.hpp"
#include "pg_helpers.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type_d.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

namespace kinde_claims {
namespace {

ProfilesCatalog cached;
bool cached_valid = false;
OrganizationsCatalog org_cached;
bool org_cached_valid = false;
enum class Known { unknown, yes, no } member_token_known = Known::unknown;

void forget_member_token(Datum, int, uint32) {
    member_token_known = Known::unknown;
}

void forget_profiles_catalog(Datum, Oid relid) {
    if (relid == InvalidOid || relid == cached.profiles || relid == cached.kinde_id_index)
        cached_valid = false;
    if (relid == InvalidOid || relid == org_cached.organizations || relid == org_cached.organizations_pkey ||
        relid == org_cached.memberships || relid == org_cached.memberships_pkey)
        org_cached_valid = false;
}

// The number of column `name` of kinde_claims.`table` (relid).
AttrNumber column(Oid relid, const char *table, const char *name) {
    AttrNumber attnum = get_attnum(relid, name);
    if (attnum == InvalidAttrNumber)
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                        errmsg("kinde_claims.%s has no column \"%s\"", table, name),
                        errhint("The kinde_claims extension's objects were altered; reinstall it.")));
    return attnum;
}

Oid relation(Oid namespace_oid, const char *name) {
    Oid relid = get_relname_relid(name, namespace_oid);
    if (!OidIsValid(relid))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                        errmsg("relation \"kinde_claims.%s\" does not exist", name),
                        errhint("Run CREATE EXTENSION kinde_claims in this database.")));
    return relid;
}

}  // namespace

const ProfilesCatalog &profiles_catalog() {
    if (cached_valid)
        return cached;
    Oid namespace_oid = get_namespace_oid("kinde_claims", true);
    if (!OidIsValid(namespace_oid))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_SCHEMA), errmsg("schema \"kinde_claims\" does not exist"),
                        errhint("Run CREATE EXTENSION kinde_claims in this database.")));
    ProfilesCatalog fresh;
    fresh.profiles = relation(namespace_oid, "profiles");
    fresh.kinde_id_index = relation(namespace_oid, "profiles_kinde_id_key");
    fresh.kinde_id = column(fresh.profiles, "profiles", "kinde_id");
    fresh.lifetime_subscriber = column(fresh.profiles, "profiles", "lifetime_subscriber");
    fresh.claims = column(fresh.profiles, "profiles", "claims");
    fresh.updated_at = column(fresh.profiles, "profiles", "updated_at");
    cached = fresh;
    cached_valid = true;
    return cached;
}

const OrganizationsCatalog &organizations_catalog() {
    if (org_cached_valid)
        return org_cached;
    const ProfilesCatalog &profiles = profiles_catalog();
    Oid namespace_oid = get_rel_namespace(profiles.profiles);
    OrganizationsCatalog fresh;
    fresh.organizations = get_relname_relid("organizations", namespace_oid);
    if (!OidIsValid(fresh.organizations))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                        errmsg("relation \"kinde_claims.organizations\" does not exist"),
                        errhint("Run ALTER EXTENSION kinde_claims UPDATE: organizations arrived in 0.6.0.")));
    fresh.organizations_pkey = relation(namespace_oid, "organizations_pkey");
    fresh.organization_org_code = column(fresh.organizations, "organizations", "org_code");
    fresh.organization_claims = column(fresh.organizations, "organizations", "claims");
    fresh.memberships = relation(namespace_oid, "memberships");
    fresh.memberships_pkey = relation(namespace_oid, "memberships_pkey");
    fresh.membership_kinde_id = column(fresh.memberships, "memberships", "kinde_id");
    fresh.membership_org_code = column(fresh.memberships, "memberships", "org_code");
    fresh.membership_claims = column(fresh.memberships, "memberships", "claims");
    fresh.membership_token = column(fresh.memberships, "memberships", "token");
    org_cached = fresh;
    org_cached_valid = true;
    return org_cached;
}

bool organizations_installed() {
    if (org_cached_valid)
        return true;
    Oid namespace_oid = get_rel_namespace(profiles_catalog().profiles);
    if (!OidIsValid(get_relname_relid("memberships", namespace_oid)))
        return false;
    organizations_catalog();
    return true;
}

bool member_token_installed() {
    if (member_token_known == Known::unknown) {
        Oid types[4] = {JSONBOID, BOOLOID, JSONBOID, JSONBOID};
        List *name = list_make2(makeString(pstrdup("kinde_claims")), makeString(pstrdup("member_token")));
        bool found = OidIsValid(LookupFuncName(name, 4, types, true));
        list_free_deep(name);
        member_token_known = found ? Known::yes : Known::no;
    }
    return member_token_known == Known::yes;
}

void profiles_catalog_register_invalidation() {
    CacheRegisterRelcacheCallback(forget_profiles_catalog, 0);
    // Any function created, changed or dropped: look for kinde_claims.member_token again.
    CacheRegisterSyscacheCallback(PROCOID, forget_member_token, 0);
}

// The role that owns kinde_claims.profiles (and so the extension's other tables).
Oid profiles_owner() {
    Oid profiles = profiles_catalog().profiles;
    HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(profiles));
    if (!HeapTupleIsValid(tuple))
        elog(ERROR, "cache lookup failed for relation %u", profiles);
    Oid owner = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->relowner;
    ReleaseSysCache(tuple);
    return owner;
}

UserSwitch switch_user(Oid role) {
    UserSwitch saved;
    GetUserIdAndSecContext(&saved.caller, &saved.security_context);
    SetUserIdAndSecContext(role, saved.security_context | SECURITY_LOCAL_USERID_CHANGE);
    return saved;
}

void switch_back(const UserSwitch &saved) {
    SetUserIdAndSecContext(saved.caller, saved.security_context);
}

}  // namespace kinde_claims
