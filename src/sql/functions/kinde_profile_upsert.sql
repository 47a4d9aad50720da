-- The writes. Their SQL names everything schema-qualified; the pinned search_path is a second lock.
CREATE OR REPLACE FUNCTION @extschema@.kinde_profile_upsert(
        kinde_id text, lifetime_subscriber boolean DEFAULT NULL, claims jsonb DEFAULT NULL)
    RETURNS jsonb
    AS 'MODULE_PATHNAME', 'kinde_profile_upsert'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_profile_upsert(text, boolean, jsonb) IS
    'Creates or updates a profile in one atomic statement; a NULL argument keeps that field';
