-- jwt_role() RETURNS text: the "role" string of request.jwt.claims (PostgREST sets it for each
-- request), else NULL (jwt_role in claims_history.cpp). A value that is not JSON raises 22P02, as
-- in the C++ edition, whose context line "reading the setting request.jwt.claims for the claims
-- history" PL/pgSQL cannot add (test/sql/edition_error_context.sql). Unlike the C++ edition it
-- cannot skip a value a plain SET of an earlier transaction left on the session
-- (SQL sees no setting's stack; test/sql/edition_pooler.sql): such a value is read, and one that
-- is not JSON fails the write (22P02, 22P05) until it is RESET, where the C++ edition writes with
-- no JWT role. Catching the error instead would let a value not JSON set in the writing
-- transaction through, which both editions refuse.
CREATE OR REPLACE FUNCTION kinde_claims.jwt_role() RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    raw text := current_setting('request.jwt.claims', true);
    claims jsonb;
BEGIN
    IF raw IS NULL OR raw = '' THEN
        RETURN NULL;
    END IF;
    claims := raw::jsonb;
    IF jsonb_typeof(claims) = 'object' AND jsonb_typeof(claims -> 'role') = 'string' THEN
        RETURN claims ->> 'role';
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.jwt_role() FROM PUBLIC;
