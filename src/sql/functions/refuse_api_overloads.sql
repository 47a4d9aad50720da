-- No routine named like an API function, in any schema. PostgREST matches an RPC call by function
-- name and argument names, and answers 300 PGRST203 when two functions in one schema could take
-- it; and it looks a call up in one schema: the profile header's, else the first of db-schemas.
-- With the extension in `api` and db-schemas starting with `public` (Supabase's order), a
-- public.kinde_claims_for would answer every token call that came without Accept-Profile. The
-- event trigger refuses every way of making one (CREATE, RENAME TO, SET SCHEMA, another
-- extension's script or SET SCHEMA), for every role, while the extension is installed. The API is
-- read from the extension's own members, so functions later versions add are covered; a later
-- version that changes an API function's arguments must DROP the old one first. Routines made
-- before the install or an upgrade are reported, never dropped: docs/security.md.
CREATE OR REPLACE FUNCTION kinde_claims.refuse_api_overloads() RETURNS event_trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    clash record;
BEGIN
    FOR clash IN
        WITH extension AS (
            SELECT e.oid, e.extnamespace FROM pg_extension e WHERE e.extname = 'kinde_claims'
        ), members AS (
            SELECT d.objid FROM pg_depend d JOIN extension e ON d.refobjid = e.oid
            WHERE d.refclassid = 'pg_extension'::regclass AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
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
        JOIN extension e ON true
        JOIN pg_proc api ON api.pronamespace = e.extnamespace AND api.proname = p.proname AND api.oid <> p.oid
        WHERE api.oid IN (SELECT objid FROM members) AND p.oid NOT IN (SELECT objid FROM members)
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
            HINT = 'Give it another name, or drop the extension first.';
    END LOOP;
END
$$;
COMMENT ON FUNCTION kinde_claims.refuse_api_overloads() IS
    'Event trigger: refuses a routine named like an API function in any schema';
