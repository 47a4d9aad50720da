CREATE OR REPLACE FUNCTION @extschema@.kinde_organization_upsert(org_code text, claims jsonb DEFAULT NULL)
    RETURNS jsonb
    AS 'MODULE_PATHNAME', 'kinde_organization_upsert'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_organization_upsert(text, jsonb) IS
    'Creates or updates an organization''s claims (NULL keeps them); returns the organization''s claims';
