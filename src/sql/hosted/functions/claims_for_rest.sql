-- claims_for_rest(user_id text, org_code text) RETURNS jsonb: kinde_claims_for's answer when its
-- probe found no stored token: the arguments' rules first (22004 for a NULL user id, 22023 for a
-- malformed user id or organization code, user_id_check and org_code_check). Without org_code the
-- profile was probed and is missing: {"lifetime_subscriber": false}. With one: a membership
-- stored without its token (a COPY left it out) merged from its parts, else (not a member) the
-- user's own token, else the defaults.
CREATE OR REPLACE FUNCTION kinde_claims.claims_for_rest(user_id text, org_code text) RETURNS jsonb
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result jsonb;
BEGIN
    PERFORM kinde_claims.user_id_check(user_id);
    IF org_code IS NULL THEN
        RETURN '{"lifetime_subscriber": false}'::jsonb;
    END IF;
    PERFORM kinde_claims.org_code_check(org_code);
    SELECT kinde_claims.token_claims_merged(p.lifetime_subscriber, p.claims, o.claims, m.claims) INTO result
    FROM kinde_claims.memberships m
    LEFT JOIN kinde_claims.profiles p ON p.kinde_id = m.kinde_id
    LEFT JOIN kinde_claims.organizations o ON o.org_code = m.org_code
    WHERE m.kinde_id = claims_for_rest.user_id AND m.org_code = claims_for_rest.org_code;
    IF FOUND THEN
        RETURN result;
    END IF;
    SELECT kinde_claims.token_claims(p.lifetime_subscriber, p.claims) INTO result
    FROM kinde_claims.profiles p WHERE p.kinde_id = claims_for_rest.user_id;
    RETURN COALESCE(result, '{"lifetime_subscriber": false}'::jsonb);
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.claims_for_rest(text, text) FROM PUBLIC;
