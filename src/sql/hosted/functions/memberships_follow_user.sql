-- memberships_follow_user(kinde_id text, check_size boolean) RETURNS void: a user's token
-- changed (user_memberships_changed in organizations.cpp): the stored tokens of the user's
-- memberships are rewritten under row locks taken in org_code order and, when `check_size`, the
-- merged-size guarantee checked: every (user, organization) still fits in
-- kinde_claims.max_claims_bytes, else 22023. A user with no memberships costs one index probe.
-- SECURITY DEFINER: it reads and writes the owner's tables for any writer of profiles.
CREATE OR REPLACE FUNCTION kinde_claims.memberships_follow_user(kinde_id text, check_size boolean) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    largest record;
BEGIN
    PERFORM FROM kinde_claims.memberships m WHERE m.kinde_id = memberships_follow_user.kinde_id
    ORDER BY m.org_code FOR NO KEY UPDATE OF m;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    UPDATE kinde_claims.memberships m
    SET token = (SELECT kinde_claims.token_claims_merged(p.lifetime_subscriber, p.claims, o.claims, m.claims)
                 FROM (SELECT) one
                 LEFT JOIN kinde_claims.profiles p ON p.kinde_id = m.kinde_id
                 LEFT JOIN kinde_claims.organizations o ON o.org_code = m.org_code)
    WHERE m.kinde_id = memberships_follow_user.kinde_id;
    IF NOT check_size THEN
        RETURN;
    END IF;
    SELECT m.kinde_id, m.org_code, kinde_claims.merged_bytes(p.claims, o.claims, m.claims) AS bytes INTO largest
    FROM kinde_claims.memberships m
    LEFT JOIN kinde_claims.profiles p ON p.kinde_id = m.kinde_id
    LEFT JOIN kinde_claims.organizations o ON o.org_code = m.org_code
    WHERE m.kinde_id = memberships_follow_user.kinde_id
    ORDER BY bytes DESC, m.kinde_id, m.org_code LIMIT 1;
    PERFORM kinde_claims.merged_size_check(largest.kinde_id, largest.org_code, largest.bytes);
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.memberships_follow_user(text, boolean) FROM PUBLIC;
