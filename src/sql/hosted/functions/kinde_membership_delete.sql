-- kinde_membership_delete(kinde_id text, org_code text) RETURNS boolean: removes a user's
-- membership of an organization; true if one was removed. Raises 22004 / 22023 for a NULL or
-- malformed id or code. History source 'delete'.
CREATE OR REPLACE FUNCTION @extschema@.kinde_membership_delete(kinde_id text, org_code text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    outer_source text := current_setting('kinde_claims_write.source', true);  -- put back at the end (history_context)
    removed boolean;
BEGIN
    PERFORM kinde_claims.user_id_check(kinde_id);
    PERFORM kinde_claims.org_code_check(org_code);
    PERFORM set_config('kinde_claims_write.source', '{"source": "delete"}', true);
    DELETE FROM kinde_claims.memberships m WHERE m.kinde_id = $1 AND m.org_code = $2;
    removed := FOUND;
    PERFORM set_config('kinde_claims_write.source', COALESCE(outer_source, ''), true);
    RETURN removed;
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_membership_delete(text, text) IS
    'Removes a user''s membership of an organization; true if one was removed';
