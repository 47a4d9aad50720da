-- org_code_check(org_code text) RETURNS text: the code when it is a Kinde organization code; else
-- raises 22004 for NULL, 22023 for a malformed code, with the C++ edition's message and detail
-- (key_check).
CREATE OR REPLACE FUNCTION kinde_claims.org_code_check(org_code text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN kinde_claims.key_check(org_code, true);
REVOKE ALL ON FUNCTION kinde_claims.org_code_check(text) FROM PUBLIC;
