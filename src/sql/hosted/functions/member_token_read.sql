-- member_token(kinde_id text, org_code text, membership_claims jsonb) RETURNS jsonb: a member's
-- whole token, what kinde_claims_for returns for (kinde_id, org_code): the user's claims, the
-- organization's and the membership's `membership_claims` (token_claims_merged), read now.
CREATE OR REPLACE FUNCTION kinde_claims.member_token(kinde_id text, org_code text, membership_claims jsonb)
    RETURNS jsonb
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN (SELECT kinde_claims.token_claims_merged(p.lifetime_subscriber, p.claims, o.claims, membership_claims)
            FROM (SELECT) one
            LEFT JOIN kinde_claims.profiles p ON p.kinde_id = member_token.kinde_id
            LEFT JOIN kinde_claims.organizations o ON o.org_code = member_token.org_code);
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.member_token(text, text, jsonb) FROM PUBLIC;
