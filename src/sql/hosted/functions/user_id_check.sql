-- user_id_check(kinde_id text) RETURNS text: the id when it is a Kinde user id; else raises 22004
-- for NULL, 22023 for a malformed id, with the C++ edition's message and detail (key_check).
CREATE OR REPLACE FUNCTION kinde_claims.user_id_check(kinde_id text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN kinde_claims.key_check(kinde_id, false);
REVOKE ALL ON FUNCTION kinde_claims.user_id_check(text) FROM PUBLIC;
