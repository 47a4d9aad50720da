-- Which rules a stored claims object breaks that a write now refuses: 'number' (a number Kinde's
-- runtime would change, FACTS.md §7) and 'kinde_issued_name' (a claim name Kinde issues itself,
-- FACTS.md §6, not allowed by kinde_claims.allowed_kinde_claims). Never raises for a stored value.
CREATE OR REPLACE FUNCTION kinde_claims.claims_problems(claims jsonb) RETURNS text[]
    AS 'MODULE_PATHNAME', 'kinde_claims_claims_problems'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kinde_claims.claims_problems(jsonb) IS
    'Rules a stored claims object breaks that writes now refuse: number, kinde_issued_name';
