-- member_token(kinde_id text, org_code text, membership_claims jsonb) RETURNS jsonb: a member's
-- whole token, what kinde_claims_for returns for (kinde_id, org_code): the user's claims, the
-- organization's and the membership's `membership_claims`, read now, merged by the one rule both
-- editions store a member's token with: kinde_claims.member_token (src/sql/functions/member_token.sql).
CREATE OR REPLACE FUNCTION kinde_claims.member_token(kinde_id text, org_code text, membership_claims jsonb)
    RETURNS jsonb
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN (SELECT kinde_claims.member_token(p.claims, p.lifetime_subscriber, o.claims, membership_claims)
            FROM (SELECT) one
            LEFT JOIN kinde_claims.profiles p ON p.kinde_id = member_token.kinde_id
            LEFT JOIN kinde_claims.organizations o ON o.org_code = member_token.org_code);
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.member_token(text, text, jsonb) FROM PUBLIC;
