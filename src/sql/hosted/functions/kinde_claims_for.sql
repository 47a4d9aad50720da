-- kinde_claims_for(user_id text, org_code text DEFAULT NULL) RETURNS jsonb: what a user's token
-- carries, for the organization the user signed into when there is one ({"lifetime_subscriber":
-- false} for an unknown user). Raises 22004 for a NULL user id, 22023 for a malformed user id or
-- organization code. Read-only, so it runs on a hot standby and inside PostgREST's READ ONLY
-- transaction.
-- The token path, as kinde_claims_for.cpp: one probe of a unique index, the profile's, or with an
-- organization the membership's, whose row holds the member's whole token (kept by the writes).
-- A row found has keys that passed the rules when it was written, so the arguments are checked
-- only when none is (claims_for_rest, which also answers a non-member, a membership stored without
-- its token and an unknown user). Unlike the C++ edition, a row stored with a key that breaks the
-- rules (only a write with the table's triggers disabled can store one) is served, not refused:
-- a move's steps list such rows instead (docs/hosted.md#moving-between-editions).
-- Like the C++ declaration it has no SET clause (one would cost a setting's save and restore on
-- every call): every name and operator in it is schema-qualified, so a caller's search_path
-- changes nothing.
CREATE OR REPLACE FUNCTION @extschema@.kinde_claims_for(user_id text, org_code text DEFAULT NULL) RETURNS jsonb
    LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER
AS $$
DECLARE
    result pg_catalog.jsonb;
BEGIN
    IF org_code IS NULL THEN
        -- kinde_claims.token_claims written out: a call of a function costs more than the expression.
        SELECT pg_catalog.jsonb_concat(p.claims,
                   pg_catalog.jsonb_build_object('lifetime_subscriber', p.lifetime_subscriber))
        INTO result FROM kinde_claims.profiles p
        WHERE p.kinde_id OPERATOR(pg_catalog.=) kinde_claims_for.user_id;
        IF FOUND THEN
            RETURN result;
        END IF;
    ELSE
        SELECT m.token INTO result FROM kinde_claims.memberships m
        WHERE m.kinde_id OPERATOR(pg_catalog.=) kinde_claims_for.user_id
          AND m.org_code OPERATOR(pg_catalog.=) kinde_claims_for.org_code;
        IF result IS NOT NULL THEN
            RETURN result;
        END IF;
    END IF;
    RETURN kinde_claims.claims_for_rest(user_id, org_code);
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_claims_for(text, text) IS
    'The custom claims for a Kinde user''s access token, for the organization org_code when given; {"lifetime_subscriber": false} for an unknown user';
