-- The plain migration's form of src/sql/functions/refuse_api_overloads.sql (the event trigger's
-- function; see there why). Without an extension there are no members to read: the API functions
-- are the signatures scripts/gen-sql writes into its body, in public, taken from the migration's
-- own COMMENT ON FUNCTION lines, so an upgrade that adds an API function re-creates this function.
-- It reads only the catalogs: it runs as whoever creates a routine.
CREATE OR REPLACE FUNCTION kinde_claims.refuse_api_overloads() RETURNS event_trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    clash record;
BEGIN
    FOR clash IN
        WITH api AS (
            SELECT p.oid, p.proname, p.pronamespace FROM unnest(@KC_API@) s
            JOIN pg_proc p ON p.oid = to_regprocedure('public.' || s)
\ir ../../../install/refuse_api_overloads_clash.sql
        JOIN api ON api.proname = p.proname AND api.oid <> p.oid
        WHERE p.oid NOT IN (SELECT oid FROM api)
        ORDER BY 1, 2
        LIMIT 1
    LOOP
\ir ../../../install/refuse_api_overloads_raise.sql
            HINT = 'Give it another name.';
    END LOOP;
END
$$;
COMMENT ON FUNCTION kinde_claims.refuse_api_overloads() IS
    'Event trigger: refuses a routine named like an API function in any schema';
