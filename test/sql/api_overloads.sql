-- A second routine named like an API function in the extension's schema is refused, however it
-- would get there and whoever tries: PostgREST answers 300 PGRST203 when two functions could take
-- a call (FACTS.md §3), so one overload would cost every token its claims. Since 0.8.0 in every
-- schema too: PostgREST looks a call up in the profile header's schema, else the first one it
-- exposes, so a kinde_claims_for there would answer the product's calls.
\set SHOW_CONTEXT never
-- Routines named like API functions that exist before the install are reported, not dropped.
CREATE SCHEMA elsewhere;
CREATE FUNCTION elsewhere.kinde_claims_for(user_id varchar) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;
CREATE FUNCTION elsewhere.kinde_profile_upsert(x int) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE FUNCTION elsewhere.unrelated(x int) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE FUNCTION public.unrelated(x int) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE AGGREGATE elsewhere.kinde_webhook_prune(int) (SFUNC = int4pl, STYPE = int);
CREATE ROLE regress_kc_overload_plain;
GRANT CREATE ON SCHEMA public TO regress_kc_overload_plain;
GRANT CREATE, USAGE ON SCHEMA elsewhere TO regress_kc_overload_plain;
ALTER FUNCTION elsewhere.kinde_claims_for(varchar) OWNER TO regress_kc_overload_plain;
ALTER FUNCTION elsewhere.kinde_profile_upsert(int) OWNER TO regress_kc_overload_plain;
ALTER FUNCTION elsewhere.unrelated(int) OWNER TO regress_kc_overload_plain;
ALTER FUNCTION public.unrelated(int) OWNER TO regress_kc_overload_plain;
ALTER AGGREGATE elsewhere.kinde_webhook_prune(int) OWNER TO regress_kc_overload_plain;
CREATE EXTENSION kinde_claims;

\getenv abs_srcdir PG_ABS_SRCDIR
\set try_sql :abs_srcdir '/lib/try.sql'
\i :try_sql

-- The API: every function of the extension in its schema.
SELECT p.oid::regprocedure AS api_function
FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'kinde_claims'
WHERE p.pronamespace = e.extnamespace ORDER BY p.oid::regprocedure::text;

-- The issue's attack, with the full report.
CREATE FUNCTION public.kinde_claims_for(user_id varchar) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;
-- And the same name in another schema, with the report for it.
CREATE FUNCTION elsewhere.kinde_claims_history(kinde_id text) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;

-- Every way, as a superuser and as a plain role with CREATE on the schema.
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
    ('CREATE FUNCTION public.helper(x int) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$; ALTER FUNCTION public.helper(int) RENAME TO kinde_claims_for'),
    ('CREATE FUNCTION elsewhere.kinde_claims_for(user_id text) RETURNS jsonb LANGUAGE sql AS $$ SELECT ''{"lifetime_subscriber": true}''::jsonb $$'),
    ('CREATE FUNCTION elsewhere.kinde_profile_delete(x int) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$'),
    ('CREATE PROCEDURE elsewhere.kinde_webhook_apply(x int) LANGUAGE sql AS $$ SELECT 1 $$'),
    ('ALTER FUNCTION elsewhere.unrelated(int) RENAME TO kinde_webhook_apply'),
    ('CREATE FUNCTION pg_temp.kinde_claims_for(user_id text) RETURNS jsonb LANGUAGE sql AS $$ SELECT ''{}''::jsonb $$');
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

SELECT p.oid::regprocedure AS routine FROM pg_proc p
WHERE p.pronamespace = 'elsewhere'::regnamespace ORDER BY p.oid::regprocedure::text;

-- Allowed: other names in any schema, giving a routine that was there before another name, and
-- the extension's own functions being changed.
SELECT pg_temp.try($q$SET LOCAL ROLE regress_kc_overload_plain; CREATE FUNCTION public.kinde_claims_for_v2(user_id text) RETURNS jsonb LANGUAGE sql AS $f$ SELECT '{}'::jsonb $f$$q$) AS other_name;
SELECT pg_temp.try($q$SET LOCAL ROLE regress_kc_overload_plain; CREATE FUNCTION elsewhere.kinde_profile_deleted(x int) RETURNS int LANGUAGE sql AS $f$ SELECT 1 $f$$q$) AS other_name_other_schema;
-- A routine that was there before the install can be dropped or given another name, not changed.
SELECT pg_temp.try($$ALTER FUNCTION elsewhere.kinde_profile_upsert(int) OWNER TO CURRENT_USER$$) AS alter_one_from_before;
SELECT pg_temp.try($$SET LOCAL ROLE regress_kc_overload_plain; ALTER FUNCTION elsewhere.kinde_claims_for(varchar) RENAME TO old_claims_for$$) AS rename_away;
SELECT pg_temp.try($$SET LOCAL ROLE regress_kc_overload_plain; DROP FUNCTION elsewhere.kinde_profile_upsert(int)$$) AS drop_one_from_before;
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
-- The issue's decoy: the extension in api, PostgREST exposing public first. public is guarded
-- as well as api; one made before the install is reported.
CREATE SCHEMA api;
CREATE FUNCTION public.kinde_claims_for(user_id text) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{"lifetime_subscriber": true}'::jsonb $$;
CREATE EXTENSION kinde_claims SCHEMA api;
DROP FUNCTION public.kinde_claims_for(text);
SELECT pg_temp.try($q$CREATE FUNCTION public.kinde_claims_for(user_id text) RETURNS jsonb LANGUAGE sql AS $f$ SELECT '{"lifetime_subscriber": true}'::jsonb $f$$q$) AS public_decoy;
SELECT pg_temp.try($q$CREATE FUNCTION api.kinde_claims_for(user_id varchar) RETURNS jsonb LANGUAGE sql AS $f$ SELECT '{}'::jsonb $f$$q$) AS api_is_guarded;
DROP EXTENSION kinde_claims;
DROP SCHEMA api;
-- A write that reads a stored token calls no API function by name (issue 20): with an overload
-- in public that no event trigger refused (a hosted database has none; this one made before the
-- install, reported), an INSERT of a number a token would change is still refused, and one that
-- keeps the stored value still passes, as without it.
CREATE FUNCTION public.kinde_claims_for(user_id text) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{"n": 9007199254740993}'::jsonb $$;
CREATE EXTENSION kinde_claims;
SELECT pg_temp.try($$INSERT INTO kinde_claims.profiles (kinde_id, claims) VALUES ('kp_overload', '{"n": 9007199254740993}')$$) AS new_profile;
ALTER TABLE kinde_claims.profiles DISABLE TRIGGER profiles_before_write;
INSERT INTO kinde_claims.profiles (kinde_id, claims) VALUES ('kp_stored', '{"n": 9007199254740993}');
ALTER TABLE kinde_claims.profiles ENABLE TRIGGER profiles_before_write;
SELECT pg_temp.try($$INSERT INTO kinde_claims.profiles (kinde_id, claims) VALUES ('kp_stored', '{"n": 9007199254740993, "plan": "pro"}')
                     ON CONFLICT (kinde_id) DO UPDATE SET claims = EXCLUDED.claims$$) AS stored_value_kept;
SELECT kinde_id, claims FROM kinde_claims.profiles ORDER BY kinde_id;
DROP EXTENSION kinde_claims;
DROP FUNCTION public.kinde_claims_for(text);
REVOKE CREATE ON SCHEMA public FROM regress_kc_overload_plain;
DROP ROLE regress_kc_overload_plain;
