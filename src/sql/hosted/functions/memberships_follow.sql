-- memberships_follow(kinde_id text, org_code text, check_size boolean) RETURNS void: a user's
-- token (kinde_id given, org_code NULL) or an organization's claims (org_code given, kinde_id
-- NULL) changed: the stored tokens of that user's or organization's memberships are rewritten
-- under row locks taken in one order (org_code for a user, kinde_id for an organization) and,
-- when `check_size`, the merged-size guarantee checked: every (user, organization) still fits in
-- kinde_claims.max_claims_bytes, else 22023 (user_memberships_changed and
-- organization_members_changed in organizations.cpp). None to rewrite costs one index probe.
-- SECURITY DEFINER: it reads and writes the owner's tables for any writer of profiles.
CREATE OR REPLACE FUNCTION kinde_claims.memberships_follow(kinde_id text, org_code text, check_size boolean)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    largest record;
BEGIN
    IF org_code IS NULL THEN
        PERFORM FROM kinde_claims.memberships m WHERE m.kinde_id = memberships_follow.kinde_id
        ORDER BY m.org_code FOR NO KEY UPDATE OF m;
    ELSE
        PERFORM FROM kinde_claims.memberships m WHERE m.org_code = memberships_follow.org_code
        ORDER BY m.kinde_id FOR NO KEY UPDATE OF m;
    END IF;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    -- One statement per kind of key, so that each probes its index (memberships_pkey for a user,
    -- memberships_org_code_idx for an organization).
    IF org_code IS NULL THEN
        UPDATE kinde_claims.memberships m SET token = kinde_claims.member_token(m.kinde_id, m.org_code, m.claims)
        WHERE m.kinde_id = memberships_follow.kinde_id;
    ELSE
        UPDATE kinde_claims.memberships m SET token = kinde_claims.member_token(m.kinde_id, m.org_code, m.claims)
        WHERE m.org_code = memberships_follow.org_code;
    END IF;
    IF NOT check_size THEN
        RETURN;
    END IF;
    SELECT m.kinde_id, m.org_code, kinde_claims.merged_bytes(p.claims, o.claims, m.claims) AS bytes INTO largest
    FROM kinde_claims.memberships m
    LEFT JOIN kinde_claims.profiles p ON p.kinde_id = m.kinde_id
    LEFT JOIN kinde_claims.organizations o ON o.org_code = m.org_code
    WHERE (memberships_follow.org_code IS NULL AND m.kinde_id = memberships_follow.kinde_id)
       OR (memberships_follow.org_code IS NOT NULL AND m.org_code = memberships_follow.org_code)
    ORDER BY bytes DESC, m.kinde_id, m.org_code LIMIT 1;
    PERFORM kinde_claims.merged_size_check(largest.kinde_id, largest.org_code, largest.bytes);
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.memberships_follow(text, text, boolean) FROM PUBLIC;
