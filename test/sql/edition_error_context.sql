-- An error's context (the CONTEXT: lines psql shows), per edition (test/expected/edition_error_context.out
-- is the C++ edition's, test/expected/hosted/edition_error_context.out the SQL edition's;
-- docs/hosted.md#differences-between-the-editions): an error the SQL edition raises in PL/pgSQL
-- carries that function's call stack, where the C++ edition's C functions add none, or a line of
-- their own. The SQLSTATE, message, detail and hint are the same in both, so the other tests hide
-- the context (\set SHOW_CONTEXT never) and share their expected output.
CREATE EXTENSION kinde_claims;
-- The SQLSTATE and message of the error a statement raises, and what its context names: the
-- setting it was reading (the C++ edition's own context line), or a PL/pgSQL function of the
-- extension. Only these, as the context also holds this helper's own frame.
CREATE FUNCTION pg_temp.error_context(statement text)
RETURNS TABLE (error text, names_the_setting boolean, names_an_extension_function boolean)
LANGUAGE plpgsql AS $$
DECLARE
    state text;
    message text;
    context text;
BEGIN
    EXECUTE statement;
    RETURN QUERY SELECT 'no error', NULL::boolean, NULL::boolean;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, context = PG_EXCEPTION_CONTEXT;
    RETURN QUERY SELECT state || ': ' || message,
        context LIKE '%reading the setting request.jwt.claims for the claims history%',
        context ~ 'PL/pgSQL function (public|kinde_claims)\.';
END
$$;
SELECT kinde_profile_upsert('kp_ctx', NULL, '{"n": 1}');

-- A refused write (was validation's and the other tests' CONTEXT lines).
SELECT * FROM pg_temp.error_context($$SELECT kinde_profile_upsert('kp_ctx', NULL, '[1]')$$);
-- request.jwt.claims that are not JSON at all: the write fails whole (22P02), its context saying
-- where it came from (was claims_history's).
BEGIN;
SELECT set_config('request.jwt.claims', '{"role":', true);
SELECT * FROM pg_temp.error_context($$SELECT kinde_profile_upsert('kp_ctx', NULL, '{"n": 2}')$$);
ROLLBACK;
DROP EXTENSION kinde_claims;
