-- A second routine named like an API function in the extension's schema is refused, however it
-- would get there and whoever tries: PostgREST answers 300 PGRST203 when two functions could take
-- a call (FACTS.md §3), so one overload would cost every token its claims.
CREATE EXTENSION kinde_claims;
\set SHOW_CONTEXT never

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

-- The API: every function of the extension in its schema.
SELECT p.oid::regprocedure AS api_function
FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'kinde_claims'
WHERE p.pronamespace = e.extnamespace ORDER BY 1::text;

-- The issue's attack, with the full report.
CREATE FUNCTION public.kinde_claims_for(user_id varchar) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;

CREATE SCHEMA elsewhere;
CREATE FUNCTION elsewhere.kinde_claims_for(user_id varchar) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;
CREATE FUNCTION elsewhere.kinde_profile_upsert(x int) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE FUNCTION elsewhere.unrelated(x int) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE FUNCTION public.unrelated(x int) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE AGGREGATE elsewhere.kinde_webhook_prune(int) (SFUNC = int4pl, STYPE = int);

-- Every way, as a superuser and as a plain role with CREATE on the schema.
CREATE ROLE regress_kc_overload_plain;
GRANT CREATE ON SCHEMA public TO regress_kc_overload_plain;
GRANT CREATE, USAGE ON SCHEMA elsewhere TO regress_kc_overload_plain;
ALTER FUNCTION elsewhere.kinde_claims_for(varchar) OWNER TO regress_kc_overload_plain;
ALTER FUNCTION elsewhere.kinde_profile_upsert(int) OWNER TO regress_kc_overload_plain;
ALTER FUNCTION elsewhere.unrelated(int) OWNER TO regress_kc_overload_plain;
ALTER FUNCTION public.unrelated(int) OWNER TO regress_kc_overload_plain;
ALTER AGGREGATE elsewhere.kinde_webhook_prune(int) OWNER TO regress_kc_overload_plain;
CREATE TABLE attempts (statement text, i serial);
INSERT INTO attempts (statement) VALUES
    ('CREATE FUNCTION public.kinde_claims_for(user_id varchar) RETURNS jsonb LANGUAGE sql AS $$ SELECT ''{}''::jsonb $$'),
    ('CREATE FUNCTION public.kinde_claims_for() RETURNS jsonb LANGUAGE sql AS $$ SELECT ''{}''::jsonb $$'),
    ('CREATE FUNCTION public.kinde_claims_for(user_id text, org text, extra text) RETURNS jsonb LANGUAGE sql AS $$ SELECT ''{}''::jsonb $$'),
    ('CREATE OR REPLACE FUNCTION public.kinde_profile_upsert(kinde_id text) RETURNS jsonb LANGUAGE sql AS $$ SELECT ''{}''::jsonb $$'),
    ('CREATE FUNCTION public.kinde_profile_delete(a int, b int) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$'),
    ('CREATE FUNCTION public.kinde_webhook_apply(event json) RETURNS jsonb LANGUAGE sql AS $$ SELECT ''{}''::jsonb $$'),
    ('CREATE FUNCTION public.kinde_webhook_prune() RETURNS jsonb LANGUAGE sql AS $$ SELECT ''{}''::jsonb $$'),
    ('CREATE FUNCTION public.kinde_claims_import(source text) RETURNS bigint LANGUAGE sql AS $$ SELECT 0::bigint $$'),
    ('CREATE FUNCTION public.kinde_profile_upsert_trigger(x int) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$'),
    ('CREATE PROCEDURE public.kinde_claims_for(user_id int) LANGUAGE sql AS $$ SELECT 1 $$'),
    ('CREATE AGGREGATE public.kinde_claims_for(int) (SFUNC = int4pl, STYPE = int)'),
    ('ALTER FUNCTION elsewhere.kinde_claims_for(varchar) SET SCHEMA public'),
    ('ALTER ROUTINE elsewhere.kinde_claims_for(varchar) SET SCHEMA public'),
    ('ALTER FUNCTION public.unrelated(int) RENAME TO kinde_profile_delete'),
    ('ALTER ROUTINE public.unrelated(int) RENAME TO kinde_profile_delete'),
    ('ALTER AGGREGATE elsewhere.kinde_webhook_prune(int) SET SCHEMA public'),
    ('CREATE FUNCTION public.helper(x int) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$; ALTER FUNCTION public.helper(int) RENAME TO kinde_claims_for');
SELECT a.i, r.who, pg_temp.try(CASE r.who WHEN 'plain' THEN 'SET LOCAL ROLE regress_kc_overload_plain; ' ELSE '' END || a.statement) AS result
FROM attempts a, unnest(ARRAY['superuser', 'plain']) r(who)
ORDER BY a.i, r.who DESC;
-- Also from inside a function.
CREATE FUNCTION pg_temp.sneaky() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'CREATE FUNCTION public.kinde_profile_delete(x varchar) RETURNS boolean LANGUAGE sql AS $f$ SELECT true $f$';
END
$$;
SELECT pg_temp.try('SELECT pg_temp.sneaky()') AS from_a_function;
-- And when event triggers are told to stand down for replication.
SET session_replication_role = replica;
SELECT pg_temp.try($q$CREATE FUNCTION public.kinde_claims_for(uid text, x int) RETURNS jsonb LANGUAGE sql AS $f$ SELECT '{}'::jsonb $f$$q$) AS replica_mode;
RESET session_replication_role;

-- Nothing refused was left behind; the API is exactly what it was.
SELECT p.oid::regprocedure AS routine FROM pg_proc p
WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'kinde%' ORDER BY 1::text;

-- Allowed: other names in the schema, those names in other schemas, moving or renaming them
-- anywhere but into the API's schema, and the extension's own functions being changed.
SELECT pg_temp.try($q$SET LOCAL ROLE regress_kc_overload_plain; CREATE FUNCTION public.kinde_claims_for_v2(user_id text) RETURNS jsonb LANGUAGE sql AS $f$ SELECT '{}'::jsonb $f$$q$) AS other_name;
SELECT pg_temp.try($q$SET LOCAL ROLE regress_kc_overload_plain; CREATE FUNCTION elsewhere.kinde_profile_delete(x int) RETURNS int LANGUAGE sql AS $f$ SELECT 1 $f$$q$) AS other_schema;
SELECT pg_temp.try($$SET LOCAL ROLE regress_kc_overload_plain; ALTER FUNCTION elsewhere.unrelated(int) RENAME TO kinde_webhook_apply$$) AS rename_in_other_schema;
SELECT pg_temp.try($$ALTER FUNCTION public.kinde_claims_for(text, text) SET statement_timeout = '3s'$$) AS alter_the_api_function;
SELECT pg_temp.try($$ALTER FUNCTION public.kinde_claims_for(text, text) RESET statement_timeout$$) AS and_back;
SELECT pg_temp.try($$SET LOCAL ROLE regress_kc_overload_plain; ALTER FUNCTION public.kinde_claims_for_v2(text) RENAME TO kinde_claims_for_v3$$) AS rename_other;

-- DROP EXTENSION takes the event trigger with it; afterwards the names are free again.
DROP FUNCTION public.kinde_claims_for_v3(text), public.unrelated(int);
DROP SCHEMA elsewhere CASCADE;
DROP TABLE attempts;
DROP EXTENSION kinde_claims;
SELECT count(*) AS event_triggers_left FROM pg_event_trigger WHERE evtname LIKE 'kinde_claims%';
CREATE FUNCTION public.kinde_claims_for(user_id varchar) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;
-- An overload made before the install (or before the upgrade to 0.4.0) is reported.
CREATE EXTENSION kinde_claims;
DROP EXTENSION kinde_claims;
DROP FUNCTION public.kinde_claims_for(varchar);
-- An extension installed elsewhere guards its own schema, not public.
CREATE SCHEMA api;
CREATE EXTENSION kinde_claims SCHEMA api;
SELECT pg_temp.try($q$CREATE FUNCTION public.kinde_claims_for(user_id varchar) RETURNS jsonb LANGUAGE sql AS $f$ SELECT '{}'::jsonb $f$$q$) AS public_is_free;
SELECT pg_temp.try($q$CREATE FUNCTION api.kinde_claims_for(user_id varchar) RETURNS jsonb LANGUAGE sql AS $f$ SELECT '{}'::jsonb $f$$q$) AS api_is_guarded;
DROP FUNCTION public.kinde_claims_for(varchar);
DROP EXTENSION kinde_claims;
DROP SCHEMA api;
REVOKE CREATE ON SCHEMA public FROM regress_kc_overload_plain;
DROP ROLE regress_kc_overload_plain;
