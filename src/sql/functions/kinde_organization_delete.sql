CREATE OR REPLACE FUNCTION @extschema@.kinde_organization_delete(org_code text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'kinde_organization_delete'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_organization_delete(text) IS
    'Removes an organization and its memberships; true if the organization was stored';
