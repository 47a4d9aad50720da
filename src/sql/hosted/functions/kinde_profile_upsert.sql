-- kinde_profile_upsert(kinde_id text, lifetime_subscriber boolean DEFAULT NULL, claims jsonb
-- DEFAULT NULL) RETURNS jsonb: creates or updates a profile in one atomic statement (INSERT ...
-- ON CONFLICT, so concurrent first logins of one user leave exactly one row) and returns the
-- token object it now gives. A NULL argument keeps that field (false and {} for a new row).
-- Raises 22004 for a NULL id, 22023 for a malformed id or claims that break the rules
-- (claims_check, run here first and again by the row trigger). History source 'upsert'.
CREATE OR REPLACE FUNCTION @extschema@.kinde_profile_upsert(
        kinde_id text, lifetime_subscriber boolean DEFAULT NULL, claims jsonb DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result jsonb;
    outer_source text := current_setting('kinde_claims_write.source', true);  -- put back at the end (history_context)
BEGIN
    PERFORM kinde_claims.user_id_check(kinde_id);
    IF claims IS NOT NULL THEN
        PERFORM kinde_claims.claims_check(claims);
    END IF;
    PERFORM set_config('kinde_claims_write.source', '{"source": "upsert"}', true);
    INSERT INTO kinde_claims.profiles AS p (kinde_id, lifetime_subscriber, claims)
    VALUES ($1, COALESCE($2, false), COALESCE($3, '{}'::jsonb))
    ON CONFLICT ON CONSTRAINT profiles_kinde_id_key DO UPDATE SET
        lifetime_subscriber = COALESCE($2, p.lifetime_subscriber), claims = COALESCE($3, p.claims)
    RETURNING kinde_claims.token_claims(p.lifetime_subscriber, p.claims) INTO result;
    PERFORM set_config('kinde_claims_write.source', COALESCE(outer_source, ''), true);
    RETURN result;
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_profile_upsert(text, boolean, jsonb) IS
    'Creates or updates a profile in one atomic statement; a NULL argument keeps that field';
