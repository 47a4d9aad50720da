-- Shared by the regression tests that show errors as values, loaded with (pg_regress sets
-- PG_ABS_SRCDIR to its --inputdir, test/):
--   \getenv abs_srcdir PG_ABS_SRCDIR
--   \set try_sql :abs_srcdir '/lib/try.sql'
--   \i :try_sql
-- pg_temp.try(statement) runs one statement and answers 'ok', or 'SQLSTATE: message' instead of
-- failing the script, so one test can list many refusals with their SQLSTATEs.
CREATE FUNCTION pg_temp.try(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    state text;
    message text;
BEGIN
    EXECUTE statement;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
    RETURN state || ': ' || message;
END
$$;
