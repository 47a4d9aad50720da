-- organization_delete(org_code text) RETURNS boolean: removes an organization and its memberships
-- under the caller's history source (organization_delete_in_spi in organizations.cpp); true if
-- the organization was stored. The organization is locked first: a membership write waiting on
-- it finds it gone and creates it again after this commits.
CREATE OR REPLACE FUNCTION kinde_claims.organization_delete(org_code text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM FROM kinde_claims.organizations o WHERE o.org_code = $1 FOR UPDATE OF o;
    DELETE FROM kinde_claims.memberships m WHERE m.org_code = $1;
    DELETE FROM kinde_claims.organizations o WHERE o.org_code = $1;
    RETURN FOUND;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.organization_delete(text) FROM PUBLIC;
