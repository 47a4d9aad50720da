-- org_code_check(org_code text) RETURNS text: the code when it is a Kinde organization code
-- ("org_" then 1 to 64 of [0-9A-Za-z], rules_limits' kOrgCodeMaxChars); else raises 22004 for
-- NULL, 22023 for a malformed code, with the C++ edition's message and detail.
CREATE OR REPLACE FUNCTION kinde_claims.org_code_check(org_code text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF org_code IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'organization code must not be null',
            DETAIL = 'An organization code is "org_" followed by 1 to 64 letters or digits.';
    END IF;
    PERFORM kinde_claims.raise_violation(kinde_claims.key_violation(org_code, true));
    RETURN org_code;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.org_code_check(text) FROM PUBLIC;
