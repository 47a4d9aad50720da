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
-- The routines a command touched and their errors are written once, in install/
-- refuse_api_overloads_clash.sql and install/refuse_api_overloads_raise.sql, which the SQL edition's
-- plain form (src/sql/hosted/plain/functions/) includes too.
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
\ir ../install/refuse_api_overloads_clash.sql
        JOIN extension e ON true
        JOIN pg_proc api ON api.pronamespace = e.extnamespace AND api.proname = p.proname AND api.oid <> p.oid
        WHERE api.oid IN (SELECT objid FROM members) AND p.oid NOT IN (SELECT objid FROM members)
        ORDER BY 1, 2
        LIMIT 1
    LOOP
\ir ../install/refuse_api_overloads_raise.sql
            HINT = 'Give it another name, or drop the extension first.';
    END LOOP;
END
$$;
COMMENT ON FUNCTION kinde_claims.refuse_api_overloads() IS
    'Event trigger: refuses a routine named like an API function in any schema';
