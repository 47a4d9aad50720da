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
        ), commands AS (
            SELECT c.classid, c.objid FROM pg_event_trigger_ddl_commands() c
        ), touched AS (
            SELECT c.objid FROM commands c WHERE c.classid = 'pg_proc'::regclass
            UNION
            -- ALTER EXTENSION ... SET SCHEMA moves that extension's routines without naming them.
            SELECT d.objid FROM commands c
            JOIN pg_depend d ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = c.objid
                AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
            WHERE c.classid = 'pg_extension'::regclass
        )
        SELECT p.oid::regprocedure::text AS routine, api.oid::regprocedure::text AS api_function,
               p.pronamespace::regnamespace::text AS schema_name,
               p.pronamespace = api.pronamespace AS same_schema
        FROM touched t
        JOIN pg_proc p ON p.oid = t.objid
        JOIN api ON api.proname = p.proname AND api.oid <> p.oid
        WHERE p.oid NOT IN (SELECT oid FROM api)
        ORDER BY 1, 2
        LIMIT 1
    LOOP
        IF clash.same_schema THEN
            RAISE EXCEPTION USING ERRCODE = '42723',
                MESSAGE = format('%s would share its name with kinde_claims''s API function %s',
                                 clash.routine, clash.api_function),
                DETAIL = 'PostgREST matches an RPC call by function name and argument names and answers 300 PGRST203 '
                         'when two functions could take it: every token call would lose its claims.',
                HINT = format('Create it in a schema other than %s, or give it another name.', clash.schema_name);
        END IF;
        RAISE EXCEPTION USING ERRCODE = '42723',
            MESSAGE = format('%s would be named like kinde_claims''s API function %s',
                             clash.routine, clash.api_function),
            DETAIL = 'PostgREST looks a call up in the schema of the profile header, else the first schema it exposes: '
                     'a routine of that name there would answer the product''s calls instead of the extension.',
            HINT = 'Give it another name.';
    END LOOP;
END
$$;
COMMENT ON FUNCTION kinde_claims.refuse_api_overloads() IS
    'Event trigger: refuses a routine named like an API function in any schema';
