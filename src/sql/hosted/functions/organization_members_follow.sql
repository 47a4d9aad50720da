-- organization_members_follow(org_code text, check_size boolean) RETURNS void: an organization's
-- claims changed (organization_members_changed in organizations.cpp): its members' stored tokens
-- are rewritten under row locks taken in kinde_id order and, when `check_size` (its claims grew),
-- each member's merged size checked against kinde_claims.max_claims_bytes (22023).
CREATE OR REPLACE FUNCTION kinde_claims.organization_members_follow(org_code text, check_size boolean) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    largest record;
BEGIN
    PERFORM FROM kinde_claims.memberships m WHERE m.org_code = organization_members_follow.org_code
    ORDER BY m.kinde_id FOR NO KEY UPDATE OF m;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    UPDATE kinde_claims.memberships m
    SET token = (SELECT kinde_claims.token_claims_merged(p.lifetime_subscriber, p.claims, o.claims, m.claims)
                 FROM (SELECT) one
                 LEFT JOIN kinde_claims.profiles p ON p.kinde_id = m.kinde_id
                 LEFT JOIN kinde_claims.organizations o ON o.org_code = m.org_code)
    WHERE m.org_code = organization_members_follow.org_code;
    IF NOT check_size THEN
        RETURN;
    END IF;
    SELECT m.kinde_id, m.org_code, kinde_claims.merged_bytes(p.claims, o.claims, m.claims) AS bytes INTO largest
    FROM kinde_claims.memberships m
    LEFT JOIN kinde_claims.profiles p ON p.kinde_id = m.kinde_id
    LEFT JOIN kinde_claims.organizations o ON o.org_code = m.org_code
    WHERE m.org_code = organization_members_follow.org_code
    ORDER BY bytes DESC, m.kinde_id, m.org_code LIMIT 1;
    PERFORM kinde_claims.merged_size_check(largest.kinde_id, largest.org_code, largest.bytes);
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.organization_members_follow(text, boolean) FROM PUBLIC;
