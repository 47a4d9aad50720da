-- claims_for_rest(user_id text, org_code text) RETURNS jsonb: kinde_claims_for's answer when its
-- probe found no stored token: the arguments' rules first (22004 for a NULL user id, 22023 for a
-- malformed user id or organization code, user_id_check and org_code_check). Without org_code the
-- profile was probed and is missing: {"lifetime_subscriber": false}. With one, the member's token
-- by the one rule that defines it, kinde_claims.member_token (member_token_read.sql): for a
-- membership stored without its token (a COPY left it out) its parts merged, for a user who is
-- not a member (no membership claims) the user's own token, for an unknown user the defaults;
-- as the C++ edition's fallback (profile_token_claims in kinde_claims_for.cpp) answers.
CREATE OR REPLACE FUNCTION kinde_claims.claims_for_rest(user_id text, org_code text) RETURNS jsonb
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM kinde_claims.user_id_check(user_id);
    IF org_code IS NULL THEN
        RETURN '{"lifetime_subscriber": false}'::jsonb;
    END IF;
    PERFORM kinde_claims.org_code_check(org_code);
    RETURN kinde_claims.member_token(user_id, org_code,
        (SELECT m.claims FROM kinde_claims.memberships m
          WHERE m.kinde_id = claims_for_rest.user_id AND m.org_code = claims_for_rest.org_code));
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.claims_for_rest(text, text) FROM PUBLIC;
