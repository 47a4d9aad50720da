-- user_id_check(kinde_id text) RETURNS text: the id when it is a Kinde user id ("kp_" then 1 to
-- 64 of [0-9A-Za-z], rules_limits' kKindeIdMaxChars); else raises 22004 for NULL, 22023 for a
-- malformed id, with the C++ edition's message, detail and hint.
CREATE OR REPLACE FUNCTION kinde_claims.user_id_check(kinde_id text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF kinde_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'Kinde user id must not be null',
            DETAIL = 'A Kinde user id is "kp_" followed by 1 to 64 letters or digits.';
    END IF;
    PERFORM kinde_claims.raise_violation(kinde_claims.key_violation(kinde_id, false));
    RETURN kinde_id;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.user_id_check(text) FROM PUBLIC;
