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
