-- kinde_organization_delete(org_code text) RETURNS boolean: removes an organization and its
-- memberships; true if the organization was stored. Raises 22004 / 22023 for a NULL or malformed
-- code. History source 'delete' (the members' entries, written while the organization's claims
-- are still there to show).
CREATE OR REPLACE FUNCTION @extschema@.kinde_organization_delete(org_code text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    outer_source text := current_setting('kinde_claims_write.source', true);  -- put back at the end (history_context)
    removed boolean;
BEGIN
    PERFORM kinde_claims.org_code_check(org_code);
    PERFORM set_config('kinde_claims_write.source', '{"source": "delete"}', true);
    removed := kinde_claims.organization_delete(org_code);
    PERFORM set_config('kinde_claims_write.source', COALESCE(outer_source, ''), true);
    RETURN removed;
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_organization_delete(text) IS
    'Removes an organization and its memberships; true if the organization was stored';
