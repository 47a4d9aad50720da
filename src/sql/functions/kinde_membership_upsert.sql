CREATE OR REPLACE FUNCTION @extschema@.kinde_membership_upsert(kinde_id text, org_code text, claims jsonb DEFAULT NULL)
    RETURNS jsonb
    AS 'MODULE_PATHNAME', 'kinde_membership_upsert'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_membership_upsert(text, text, jsonb) IS
    'Creates or updates a user''s membership of an organization and its claims (NULL keeps them); returns the membership''s claims';
