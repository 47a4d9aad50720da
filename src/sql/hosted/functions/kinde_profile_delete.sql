-- kinde_profile_delete(kinde_id text) RETURNS boolean: removes a user's profile; true if one was
-- removed. Raises 22004 for a NULL id, 22023 for a malformed one. History source 'delete'.
CREATE OR REPLACE FUNCTION @extschema@.kinde_profile_delete(kinde_id text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    source text;
    removed boolean;
BEGIN
    PERFORM kinde_claims.kinde_id_check(kinde_id);
    source := kinde_claims.write_source('delete');
    DELETE FROM kinde_claims.profiles p WHERE p.kinde_id = $1;
    removed := FOUND;
    PERFORM kinde_claims.write_source_restore(source);
    RETURN removed;
END
$$;
