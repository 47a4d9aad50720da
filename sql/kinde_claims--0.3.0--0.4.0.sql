-- kinde_claims 0.3.0 -> 0.4.0: the token carries exactly, and only, what the database says.
\echo Use "ALTER EXTENSION kinde_claims UPDATE TO '0.4.0'" to load this file. \quit

-- Replaced before anything else, in every update script: the earlier body revoked every grant on
-- the extension's objects, so each ALTER EXTENSION ... UPDATE silently took away the operator's
-- grants (the workflow's EXECUTE on kinde_claims_for among them). It now takes away only PUBLIC's
-- default EXECUTE and grants that default privileges (ALTER DEFAULT PRIVILEGES) gave, and revokes
-- from PUBLIC only where PUBLIC holds something (each REVOKE in an extension script records the
-- ACL as initial privileges, and an operator's grant recorded there would not be dumped).
CREATE OR REPLACE FUNCTION kinde_claims.revoke_default_privileges() RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target record;
    grantee oid;
BEGIN
    FOR target IN
        WITH member AS (
            SELECT d.classid, d.objid FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
            WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND e.extname = 'kinde_claims')
        SELECT 'FUNCTION ' || p.oid::regprocedure AS object, p.proacl AS acl, p.proowner AS owner
        FROM member m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
        UNION ALL
        SELECT 'TABLE ' || c.oid::regclass, c.relacl, c.relowner
        FROM member m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
        UNION ALL
        SELECT 'SCHEMA ' || quote_ident(n.nspname), n.nspacl, n.nspowner
        FROM member m JOIN pg_namespace n ON m.classid = 'pg_namespace'::regclass AND n.oid = m.objid
    LOOP
        -- Only where there is something to take: inside an extension script every REVOKE also
        -- records the object's ACL as the extension's initial privileges, and an administrator's
        -- grant recorded there would no longer be dumped by pg_dump.
        IF target.acl IS NULL OR EXISTS (SELECT FROM aclexplode(target.acl) a WHERE a.grantee = 0) THEN
            EXECUTE format('REVOKE ALL ON %s FROM PUBLIC', target.object);
        END IF;
        FOR grantee IN
            SELECT DISTINCT a.grantee FROM aclexplode(target.acl) a
            WHERE a.grantee <> 0 AND a.grantee <> target.owner
              AND EXISTS (SELECT FROM pg_default_acl d, aclexplode(d.defaclacl) g
                          WHERE d.defaclrole = target.owner AND g.grantee = a.grantee)
        LOOP
            EXECUTE format('REVOKE ALL ON %s FROM %I', target.object, pg_get_userbyid(grantee));
        END LOOP;
    END LOOP;
END
$$;


-- Which rules a stored claims object breaks that a write now refuses: 'number' (a number Kinde's
-- runtime would change, FACTS.md §7) and 'kinde_issued_name' (a claim name Kinde issues itself,
-- FACTS.md §6, not allowed by kinde_claims.allowed_kinde_claims). Never raises for a stored value.
CREATE FUNCTION kinde_claims.claims_problems(claims jsonb) RETURNS text[]
    AS 'MODULE_PATHNAME', 'kinde_claims_claims_problems'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kinde_claims.claims_problems(jsonb) IS
    'Rules a stored claims object breaks that writes now refuse: number, kinde_issued_name';

COMMENT ON FUNCTION @extschema@.kinde_webhook_apply(jsonb) IS
    'Applies one verified Kinde webhook event (the JWT payload) once: {"result": "applied"|"duplicate"|"ignored"|"stale"|"future", ...}';

-- PostgREST matches an RPC call by function name and argument names, and answers 300 PGRST203
-- when two functions could take it: a second routine named like an API function in the
-- extension's schema would cost every token its claims. This refuses every way of making one
-- (CREATE, RENAME TO, SET SCHEMA, another extension's script or SET SCHEMA), for every role.
-- The API is read from the extension's own members, so functions later versions add are covered;
-- a later version that changes an API function's arguments must DROP the old one first.
CREATE FUNCTION kinde_claims.refuse_api_overloads() RETURNS event_trigger
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
               p.pronamespace::regnamespace::text AS schema_name
        FROM touched t
        JOIN pg_proc p ON p.oid = t.objid
        JOIN extension e ON p.pronamespace = e.extnamespace
        JOIN pg_proc api ON api.pronamespace = p.pronamespace AND api.proname = p.proname AND api.oid <> p.oid
        WHERE api.oid IN (SELECT objid FROM members) AND p.oid NOT IN (SELECT objid FROM members)
        ORDER BY 1, 2
        LIMIT 1
    LOOP
        RAISE EXCEPTION USING ERRCODE = '42723',
            MESSAGE = format('%s would share its name with kinde_claims''s API function %s',
                             clash.routine, clash.api_function),
            DETAIL = 'PostgREST matches an RPC call by function name and argument names and answers 300 PGRST203 '
                     'when two functions could take it: every token call would lose its claims.',
            HINT = format('Create it in a schema other than %s, or give it another name.', clash.schema_name);
    END LOOP;
END
$$;
COMMENT ON FUNCTION kinde_claims.refuse_api_overloads() IS
    'Event trigger: refuses a second routine named like an API function in the extension''s schema';

CREATE EVENT TRIGGER kinde_claims_refuse_api_overloads ON ddl_command_end
    WHEN TAG IN ('CREATE FUNCTION', 'ALTER FUNCTION', 'CREATE PROCEDURE', 'ALTER PROCEDURE', 'ALTER ROUTINE',
                 'CREATE AGGREGATE', 'ALTER AGGREGATE', 'CREATE EXTENSION', 'ALTER EXTENSION')
    EXECUTE FUNCTION kinde_claims.refuse_api_overloads();
-- Also under session_replication_role = replica, which would otherwise switch it off.
ALTER EVENT TRIGGER kinde_claims_refuse_api_overloads ENABLE ALWAYS;

-- What was stored before these rules stays and is served as before; the upgrade says how much of
-- it a write would now refuse, and never fails because of it. WARNING, not NOTICE: Postgres runs
-- extension scripts with client_min_messages raised to WARNING.
DO $$
DECLARE
    numbers bigint;
    names bigint;
    number_examples text;
    name_examples text;
    overloads text;
BEGIN
    BEGIN
        SELECT count(*) FILTER (WHERE 'number' = ANY (problems)),
               count(*) FILTER (WHERE 'kinde_issued_name' = ANY (problems)),
               string_agg(kinde_id, ', ' ORDER BY kinde_id) FILTER (WHERE 'number' = ANY (problems) AND rank_number <= 5),
               string_agg(kinde_id, ', ' ORDER BY kinde_id) FILTER (WHERE 'kinde_issued_name' = ANY (problems) AND rank_name <= 5)
          INTO numbers, names, number_examples, name_examples
          FROM (SELECT p.kinde_id, x.problems,
                       row_number() OVER (PARTITION BY 'number' = ANY (x.problems) ORDER BY p.kinde_id) AS rank_number,
                       row_number() OVER (PARTITION BY 'kinde_issued_name' = ANY (x.problems) ORDER BY p.kinde_id) AS rank_name
                  FROM kinde_claims.profiles p, kinde_claims.claims_problems(p.claims) AS x(problems)
                 WHERE x.problems IS NOT NULL) s;
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'kinde_claims 0.4.0 could not check the stored profiles: %', SQLERRM;
        RETURN;
    END;
    IF numbers > 0 THEN
        RAISE WARNING '% stored profile(s) hold numbers that Kinde''s runtime would change on their way into a token', numbers
            USING DETAIL = format('They are still served as stored; writes now refuse such numbers. First ids: %s.', number_examples),
                  HINT = 'Store ids and exact amounts as strings.';
    END IF;
    IF names > 0 THEN
        RAISE WARNING '% stored profile(s) hold claim names that Kinde issues itself', names
            USING DETAIL = format('They are still served as stored; writes now refuse these names unless kinde_claims.allowed_kinde_claims lists them. First ids: %s.', name_examples),
                  HINT = 'Rename such claims, or have a superuser allow the names.';
    END IF;
    SELECT string_agg(p.oid::regprocedure::text, ', ' ORDER BY p.oid::regprocedure::text) INTO overloads
      FROM pg_proc p
      JOIN pg_extension e ON e.extname = 'kinde_claims' AND p.pronamespace = e.extnamespace
     WHERE NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                         AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e')
       AND p.proname IN (SELECT m.proname FROM pg_proc m JOIN pg_depend d ON d.classid = 'pg_proc'::regclass
                           AND d.objid = m.oid AND d.refobjid = e.oid AND d.deptype = 'e'
                          WHERE m.pronamespace = e.extnamespace);
    IF overloads IS NOT NULL THEN
        RAISE WARNING 'routines named like kinde_claims''s API functions share its schema: %', overloads
            USING DETAIL = 'PostgREST answers 300 PGRST203 to calls two functions could take.',
                  HINT = 'Drop or rename them; new ones are now refused.';
    END IF;
END
$$;

-- Every version's script ends by taking default privileges off the objects it created.
SELECT kinde_claims.revoke_default_privileges();
