-- raise_violation(violation text[]) RETURNS void: raises {message, detail, hint} (detail and
-- hint may be NULL or missing) as 22023 invalid_parameter_value, as the C++ rules' Violation.
-- NULL raises nothing.
CREATE OR REPLACE FUNCTION kinde_claims.raise_violation(violation text[]) RETURNS void
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF violation IS NULL THEN
        RETURN;
    END IF;
    IF violation[3] IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = violation[1], DETAIL = violation[2], HINT = violation[3];
    ELSIF violation[2] IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = violation[1], DETAIL = violation[2];
    END IF;
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = violation[1];
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.raise_violation(text[]) FROM PUBLIC;
