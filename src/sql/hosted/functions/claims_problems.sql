-- kinde_claims.claims_problems(claims jsonb) RETURNS text[]: which rules a stored claims object
-- breaks that a write now refuses, for the upgrade's report on what was stored before them:
-- 'number' (a number Kinde's runtime would change, FACTS.md §7) and 'kinde_issued_name' (a name
-- Kinde issues itself, FACTS.md §6, not allowed by kinde_claims.allowed_kinde_claims), in that
-- order; NULL when it breaks neither or is not an object. Never raises for a stored value.
CREATE OR REPLACE FUNCTION kinde_claims.claims_problems(claims jsonb) RETURNS text[]
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    number boolean := false;
    issued boolean := false;
    claim record;
BEGIN
    IF jsonb_typeof(claims) IS DISTINCT FROM 'object' THEN
        RETURN NULL;
    END IF;
    FOR claim IN SELECT e.key, e.value FROM jsonb_each(claims) e LOOP
        issued := issued OR kinde_claims.issued_claim_violation(claim.key) IS NOT NULL;
        number := number OR kinde_claims.claim_number_violation(claim.key, claim.value) IS NOT NULL;
    END LOOP;
    IF NOT number AND NOT issued THEN
        RETURN NULL;
    END IF;
    RETURN CASE WHEN number AND issued THEN ARRAY['number', 'kinde_issued_name']
                WHEN number THEN ARRAY['number'] ELSE ARRAY['kinde_issued_name'] END;
END
$$;
COMMENT ON FUNCTION kinde_claims.claims_problems(jsonb) IS
    'Rules a stored claims object breaks that writes now refuse: number, kinde_issued_name';
