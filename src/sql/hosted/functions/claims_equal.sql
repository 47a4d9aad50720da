-- claims_equal(a jsonb, b jsonb) RETURNS boolean: the same custom claims as a token shows them:
-- NULL and {} alike, else jsonb's equality ({"a": 1.0} equals {"a": 1}).
CREATE OR REPLACE FUNCTION kinde_claims.claims_equal(a jsonb, b jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN a IS NULL OR a = '{}'::jsonb OR b IS NULL OR b = '{}'::jsonb
                THEN (a IS NULL OR a = '{}'::jsonb) = (b IS NULL OR b = '{}'::jsonb)
                ELSE a = b END;
REVOKE ALL ON FUNCTION kinde_claims.claims_equal(jsonb, jsonb) FROM PUBLIC;
