-- kinde_profile_delete(kinde_id text) RETURNS boolean: removes a user's profile; true if one was
-- removed. Raises 22004 for a NULL id, 22023 for a malformed one. History source 'delete'.
CREATE OR REPLACE FUNCTION @extschema@.kinde_profile_delete(kinde_id text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    removed boolean;
    outer_source text := current_setting('kinde_claims_write.source', true);  -- put back at the end (history_context)
BEGIN
    PERFORM kinde_claims.user_id_check(kinde_id);
    PERFORM set_config('kinde_claims_write.source', '{"source": "delete"}', true);
    DELETE FROM kinde_claims.profiles p WHERE p.kinde_id = $1;
    removed := FOUND;
    PERFORM set_config('kinde_claims_write.source', COALESCE(outer_source, ''), true);
    RETURN removed;
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_profile_delete(text) IS 'Removes a profile; true if one was removed';
