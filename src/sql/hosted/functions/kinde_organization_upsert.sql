-- kinde_organization_upsert(org_code text, claims jsonb DEFAULT NULL) RETURNS jsonb: creates or
-- updates an organization's claims (NULL keeps them; {} for a new organization) and returns the
-- organization's claims. Raises 22004 for a NULL code, 22023 for a malformed code or claims that
-- break the rules, or when a member's merged token would pass kinde_claims.max_claims_bytes.
-- History source 'upsert' (one entry per member whose token changed).
CREATE OR REPLACE FUNCTION @extschema@.kinde_organization_upsert(org_code text, claims jsonb DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result jsonb;
    outer_source text := current_setting('kinde_claims_write.source', true);  -- put back at the end (history_context)
BEGIN
    PERFORM kinde_claims.org_code_check(org_code);
    IF claims IS NOT NULL THEN
        PERFORM kinde_claims.claims_check(claims);
    END IF;
    PERFORM set_config('kinde_claims_write.source', '{"source": "upsert"}', true);
    INSERT INTO kinde_claims.organizations AS o (org_code, claims)
    VALUES ($1, COALESCE($2, '{}'::jsonb)) ON CONFLICT ON CONSTRAINT organizations_pkey DO UPDATE SET
        claims = COALESCE($2, o.claims),
        updated_at = CASE WHEN COALESCE($2, o.claims) = o.claims THEN o.updated_at ELSE now() END
    RETURNING o.claims INTO result;
    PERFORM set_config('kinde_claims_write.source', COALESCE(outer_source, ''), true);
    RETURN COALESCE(result, '{}'::jsonb);
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_organization_upsert(text, jsonb) IS
    'Creates or updates an organization''s claims (NULL keeps them); returns the organization''s claims';
