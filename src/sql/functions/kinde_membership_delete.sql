CREATE OR REPLACE FUNCTION @extschema@.kinde_membership_delete(kinde_id text, org_code text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'kinde_membership_delete'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_membership_delete(text, text) IS
    'Removes a user''s membership of an organization; true if one was removed';
