-- claims_check(claims jsonb, old_claims jsonb DEFAULT NULL, kinde_id text DEFAULT NULL)
-- RETURNS void: the claims rules of every write, as claims_check in write_rules.cpp. Raises
-- 22023 unless `claims` is a JSON object of at most kinde_claims.max_claims_bytes bytes of JSON
-- text whose names pass claim_name_violation and whose values pass issued_claim_violation
-- and claim_number_violation. A claim whose value equals the one in `old_claims` (an UPDATE's
-- stored claims) is not checked for Kinde's names or numbers again; for an INSERT, `kinde_id`'s
-- stored token is read instead, only when a claim would be refused: from kinde_claims.profiles
-- itself, not through kinde_claims_for, which a call by name could miss (an overload in public,
-- where no event trigger refuses one, makes it ambiguous). Only profiles_before_write passes
-- `kinde_id`, as the owner (SECURITY DEFINER).
CREATE OR REPLACE FUNCTION kinde_claims.claims_check(claims jsonb, old_claims jsonb DEFAULT NULL,
                                                     kinde_id text DEFAULT NULL) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    kind text := jsonb_typeof(claims);
    bytes integer;
    limit_bytes integer;
    claim record;
    violation text[];
BEGIN
    IF kind <> 'object' THEN
        PERFORM kinde_claims.raise_violation(ARRAY['claims must be a JSON object',
            'The value given is a JSON ' || kind || '.',
            'Use an object such as {"plan": "pro"}; use {} for no custom claims.']);
    END IF;
    bytes := octet_length(claims::text);
    limit_bytes := kinde_claims.setting_max_claims_bytes();
    IF bytes > limit_bytes THEN
        PERFORM kinde_claims.raise_violation(ARRAY['claims are too large: ' || bytes || ' bytes',
            'The limit is ' || limit_bytes || ' bytes (kinde_claims.max_claims_bytes); tokens travel in '
                'headers and cookies.']);
    END IF;
    FOR claim IN SELECT e.key, e.value FROM jsonb_each(claims) e LOOP
        PERFORM kinde_claims.raise_violation(kinde_claims.claim_name_violation(claim.key));
        IF old_claims -> claim.key = claim.value THEN
            CONTINUE;
        END IF;
        violation := kinde_claims.issued_claim_violation(claim.key);
        IF violation IS NULL THEN
            violation := kinde_claims.claim_number_violation(claim.key, claim.value);
        END IF;
        IF violation IS NULL THEN
            CONTINUE;
        END IF;
        IF kinde_id IS NOT NULL THEN
            SELECT kinde_claims.token_claims(p.lifetime_subscriber, p.claims) INTO old_claims
            FROM kinde_claims.profiles p WHERE p.kinde_id = claims_check.kinde_id;
            kinde_id := NULL;
            IF old_claims -> claim.key = claim.value THEN
                CONTINUE;
            END IF;
        END IF;
        PERFORM kinde_claims.raise_violation(violation);
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.claims_check(jsonb, jsonb, text) FROM PUBLIC;
