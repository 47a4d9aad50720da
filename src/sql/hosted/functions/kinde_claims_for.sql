-- kinde_claims_for(user_id text, org_code text DEFAULT NULL) RETURNS jsonb: what a user's token
-- carries, for the organization the user signed into when there is one ({"lifetime_subscriber":
-- false} for an unknown user). Raises 22004 for a NULL user id, 22023 for a malformed user id or
-- organization code. The token path, as kinde_claims_for.cpp: one probe of a unique index, the
-- profile's, or with an organization the membership's, whose row holds the member's whole token
-- (kept by the writes); a non-member's call probes the membership, then the profile. Read-only,
-- so it runs on a hot standby and inside PostgREST's READ ONLY transaction. Like the C++
-- declaration it has no SET clause: every name and operator in it is schema-qualified, so a
-- caller's search_path changes nothing.
CREATE OR REPLACE FUNCTION @extschema@.kinde_claims_for(user_id text, org_code text DEFAULT NULL) RETURNS jsonb
    LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER
AS $$
DECLARE
    result jsonb;
    organization jsonb;
    membership jsonb;
    member boolean := false;
BEGIN
    IF user_id IS NULL OR user_id COLLATE "C" OPERATOR(pg_catalog.!~) '^kp_[0-9A-Za-z]{1,64}$' THEN
        PERFORM kinde_claims.user_id_check(user_id);
    END IF;
    IF org_code IS NOT NULL THEN
        IF org_code COLLATE "C" OPERATOR(pg_catalog.!~) '^org_[0-9A-Za-z]{1,64}$' THEN
            PERFORM kinde_claims.org_code_check(org_code);
        END IF;
        SELECT true, m.token, m.claims INTO member, result, membership FROM kinde_claims.memberships m
        WHERE m.kinde_id OPERATOR(pg_catalog.=) kinde_claims_for.user_id
          AND m.org_code OPERATOR(pg_catalog.=) kinde_claims_for.org_code;
        IF result IS NOT NULL THEN
            RETURN result;
        END IF;
        IF member THEN
            -- A membership row without its stored token (a COPY left it out): built from the parts.
            SELECT o.claims INTO organization FROM kinde_claims.organizations o
            WHERE o.org_code OPERATOR(pg_catalog.=) kinde_claims_for.org_code;
            SELECT p.lifetime_subscriber, p.claims INTO member, result FROM kinde_claims.profiles p
            WHERE p.kinde_id OPERATOR(pg_catalog.=) kinde_claims_for.user_id;
            RETURN kinde_claims.token_claims_merged(member, result, organization, membership);
        END IF;
    END IF;
    -- kinde_claims.token_claims written out: a call of it (it has a SET clause) costs more than this.
    SELECT pg_catalog.jsonb_concat(p.claims, pg_catalog.jsonb_build_object('lifetime_subscriber', p.lifetime_subscriber))
    INTO result FROM kinde_claims.profiles p WHERE p.kinde_id OPERATOR(pg_catalog.=) kinde_claims_for.user_id;
    RETURN COALESCE(result, '{"lifetime_subscriber": false}'::pg_catalog.jsonb);
END
$$;
