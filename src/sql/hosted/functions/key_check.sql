-- key_check(key text, organization boolean) RETURNS text: the key when it is a Kinde user id
-- ("kp_" then 1 to 64 of [0-9A-Za-z], rules_limits' kKindeIdMaxChars) or, with `organization`, an
-- organization code ("org_" then 1 to 64 of [0-9A-Za-z], kOrgCodeMaxChars); else raises 22004 for
-- NULL, 22023 for a malformed key (key_violation), with the C++ edition's message and detail.
-- The one body of user_id_check and org_code_check.
CREATE OR REPLACE FUNCTION kinde_claims.key_check(key text, organization boolean) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF key IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004',
            MESSAGE = CASE WHEN organization THEN 'organization code must not be null'
                           ELSE 'Kinde user id must not be null' END,
            DETAIL = CASE WHEN organization THEN 'An organization code is "org_" followed by 1 to 64 letters or digits.'
                          ELSE 'A Kinde user id is "kp_" followed by 1 to 64 letters or digits.' END;
    END IF;
    PERFORM kinde_claims.raise_violation(kinde_claims.key_violation(key, organization));
    RETURN key;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.key_check(text, boolean) FROM PUBLIC;
