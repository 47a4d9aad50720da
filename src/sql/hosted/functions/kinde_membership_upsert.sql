-- kinde_membership_upsert(kinde_id text, org_code text, claims jsonb DEFAULT NULL) RETURNS jsonb:
-- creates or updates a user's membership of an organization and its claims (NULL keeps them; {}
-- for a new membership; the user and the organization are created if missing) and returns the
-- membership's claims. Raises 22004 / 22023 for a NULL or malformed id or code, 22023 for claims
-- that break the rules or a merged token past kinde_claims.max_claims_bytes. History 'upsert'.
CREATE OR REPLACE FUNCTION @extschema@.kinde_membership_upsert(kinde_id text, org_code text, claims jsonb DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result jsonb;
    outer_source text := current_setting('kinde_claims_write.source', true);  -- put back at the end (history_context)
BEGIN
    PERFORM kinde_claims.user_id_check(kinde_id);
    PERFORM kinde_claims.org_code_check(org_code);
    IF claims IS NOT NULL THEN
        PERFORM kinde_claims.claims_check(claims);
    END IF;
    PERFORM set_config('kinde_claims_write.source', '{"source": "upsert"}', true);
    INSERT INTO kinde_claims.memberships AS m (kinde_id, org_code, claims)
    VALUES ($1, $2, COALESCE($3, '{}'::jsonb)) ON CONFLICT ON CONSTRAINT memberships_pkey DO UPDATE SET
        claims = COALESCE($3, m.claims),
        updated_at = CASE WHEN COALESCE($3, m.claims) = m.claims THEN m.updated_at ELSE now() END
    RETURNING m.claims INTO result;
    PERFORM set_config('kinde_claims_write.source', COALESCE(outer_source, ''), true);
    RETURN COALESCE(result, '{}'::jsonb);
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_membership_upsert(text, text, jsonb) IS
    'Creates or updates a user''s membership of an organization and its claims (NULL keeps them); returns the membership''s claims';
