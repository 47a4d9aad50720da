-- Schema-qualified SQL and a pinned search_path, as kinde_profile_upsert.
CREATE OR REPLACE FUNCTION @extschema@.kinde_profile_delete(kinde_id text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'kinde_profile_delete'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_profile_delete(text) IS 'Removes a profile; true if one was removed';
