-- Roles without the right grants. A role with no grants (like PostgREST's anon), the token
-- workflow's role, a role that was given the table by mistake, and a non-owner with every grant
-- an operator might hand out, each try what they should not. 42501 is what PostgREST answers
-- with 401 (anon) or 403.
CREATE EXTENSION kinde_claims;
SELECT kinde_profile_upsert('kp_victim', true, '{"plan": "pro"}');
CREATE ROLE regress_kc_priv_nobody;
CREATE ROLE regress_kc_priv_token;
CREATE ROLE regress_kc_priv_peeker;
CREATE ROLE regress_kc_priv_attacker;
GRANT EXECUTE ON FUNCTION kinde_claims_for(text, text) TO regress_kc_priv_token;
GRANT USAGE ON SCHEMA kinde_claims TO regress_kc_priv_peeker, regress_kc_priv_attacker;
GRANT SELECT, INSERT, UPDATE, DELETE ON kinde_claims.profiles TO regress_kc_priv_peeker;
GRANT EXECUTE ON FUNCTION kinde_claims_for(text, text), kinde_profile_upsert(text, boolean, jsonb),
    kinde_profile_delete(text) TO regress_kc_priv_attacker;
SELECT format('GRANT CREATE ON DATABASE %I TO regress_kc_priv_attacker', current_database()) \gexec
GRANT CREATE ON SCHEMA public TO regress_kc_priv_attacker;
SET ROLE regress_kc_priv_attacker;
CREATE FUNCTION public.kc_evil() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE TABLE public.kc_evil_table (id text, flag boolean);
RESET ROLE;

-- Runs one statement as a role; its first value ("done" for a command without one), or its error.
CREATE FUNCTION pg_temp.outcome_as(role_name text, statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    result text;
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', role_name);
    IF statement ~* '^\s*(SELECT|WITH|INSERT)' THEN
        EXECUTE statement INTO result;
    ELSE
        EXECUTE statement;
        result := 'done';
    END IF;
    RESET ROLE;
    RETURN 'ok: ' || coalesce(result, 'NULL');
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

SELECT role_name, input, pg_temp.outcome_as(role_name, statement) AS result FROM (VALUES
    ('regress_kc_priv_nobody', 'read a token', $$SELECT kinde_claims_for('kp_victim')$$),
    ('regress_kc_priv_nobody', 'upsert', $$SELECT kinde_profile_upsert('kp_victim', false)$$),
    ('regress_kc_priv_nobody', 'delete', $$SELECT kinde_profile_delete('kp_victim')$$),
    ('regress_kc_priv_nobody', 'read the table', $$SELECT count(*) FROM kinde_claims.profiles$$),
    ('regress_kc_priv_nobody', 'call the privilege helper', $$SELECT kinde_claims.revoke_default_privileges()$$),
    ('regress_kc_priv_nobody', 'call a trigger function', $$SELECT kinde_claims.profiles_before_write()$$),
    ('regress_kc_priv_nobody', 'apply a webhook event',
     $$SELECT kinde_webhook_apply('{"type": "user.deleted", "event_id": "event_x", "timestamp": "2024-05-01T10:00:00Z", "data": {"user": {"id": "kp_victim"}}}')$$),
    ('regress_kc_priv_nobody', 'prune webhook state', $$SELECT kinde_webhook_prune()$$),
    ('regress_kc_priv_nobody', 'import profiles', $$SELECT kinde_claims_import('pg_catalog.pg_class')$$),
    ('regress_kc_priv_token', 'read a token', $$SELECT kinde_claims_for('kp_victim')$$),
    ('regress_kc_priv_token', 'upsert', $$SELECT kinde_profile_upsert('kp_victim', false)$$),
    ('regress_kc_priv_token', 'delete', $$SELECT kinde_profile_delete('kp_victim')$$),
    ('regress_kc_priv_token', 'read the table', $$SELECT count(*) FROM kinde_claims.profiles$$),
    ('regress_kc_priv_peeker', 'read the table (RLS, no policy)', $$SELECT count(*) FROM kinde_claims.profiles$$),
    ('regress_kc_priv_peeker', 'update the table',
     $$WITH u AS (UPDATE kinde_claims.profiles SET lifetime_subscriber = false RETURNING 1) SELECT count(*) FROM u$$),
    ('regress_kc_priv_peeker', 'delete from the table',
     $$WITH d AS (DELETE FROM kinde_claims.profiles RETURNING 1) SELECT count(*) FROM d$$),
    ('regress_kc_priv_peeker', 'insert into the table',
     $$INSERT INTO kinde_claims.profiles (kinde_id, lifetime_subscriber) VALUES ('kp_peeker', true) RETURNING kinde_id$$),
    ('regress_kc_priv_peeker', 'upsert', $$SELECT kinde_profile_upsert('kp_peeker', true)$$)
) AS cases(role_name, input, statement);

-- A non-owner with EXECUTE on every API function, USAGE on the private schema and CREATE on the
-- database and on public tries to change or remove the extension's objects.
SELECT input, pg_temp.outcome_as('regress_kc_priv_attacker', statement) AS result FROM (VALUES
    ('attach the upsert trigger to its own table',
     $$CREATE TRIGGER kc_evil AFTER INSERT ON public.kc_evil_table
       FOR EACH ROW EXECUTE FUNCTION kinde_profile_upsert_trigger('id', 'lifetime_subscriber=flag')$$),
    ('DROP EXTENSION', $$DROP EXTENSION kinde_claims$$),
    ('ALTER EXTENSION UPDATE', $$ALTER EXTENSION kinde_claims UPDATE$$),
    ('ALTER EXTENSION DROP FUNCTION', $$ALTER EXTENSION kinde_claims DROP FUNCTION kinde_claims_for(text, text)$$),
    ('ALTER EXTENSION ADD FUNCTION', $$ALTER EXTENSION kinde_claims ADD FUNCTION public.kc_evil()$$),
    ('ALTER FUNCTION SECURITY INVOKER', $$ALTER FUNCTION kinde_claims_for(text, text) SECURITY INVOKER$$),
    ('ALTER FUNCTION RESET search_path',
     $$ALTER FUNCTION kinde_profile_upsert(text, boolean, jsonb) RESET search_path$$),
    ('ALTER FUNCTION OWNER TO', $$ALTER FUNCTION kinde_claims_for(text, text) OWNER TO regress_kc_priv_attacker$$),
    ('CREATE OR REPLACE FUNCTION',
     $q$CREATE OR REPLACE FUNCTION public.kinde_claims_for(user_id text, org_code text DEFAULT NULL) RETURNS jsonb
        LANGUAGE sql AS $b$SELECT '{"lifetime_subscriber": true}'::jsonb$b$$q$),
    ('DROP FUNCTION', $$DROP FUNCTION kinde_claims_for(text, text)$$),
    ('COMMENT ON FUNCTION', $$COMMENT ON FUNCTION kinde_claims_for(text, text) IS 'mine'$$),
    ('GRANT EXECUTE TO PUBLIC (a warning)',
     $$GRANT EXECUTE ON FUNCTION kinde_profile_upsert(text, boolean, jsonb) TO PUBLIC$$),
    ('ALTER TABLE DISABLE ROW LEVEL SECURITY', $$ALTER TABLE kinde_claims.profiles DISABLE ROW LEVEL SECURITY$$),
    ('ALTER TABLE DISABLE TRIGGER ALL', $$ALTER TABLE kinde_claims.profiles DISABLE TRIGGER ALL$$),
    ('DROP TRIGGER', $$DROP TRIGGER profiles_before_write ON kinde_claims.profiles$$),
    ('CREATE POLICY', $$CREATE POLICY kc_evil ON kinde_claims.profiles USING (true)$$),
    ('CREATE TRIGGER',
     $$CREATE TRIGGER kc_evil AFTER INSERT ON kinde_claims.profiles
       FOR EACH ROW EXECUTE FUNCTION kinde_claims.profiles_after_write()$$),
    ('TRUNCATE', $$TRUNCATE kinde_claims.profiles$$),
    ('DROP TABLE', $$DROP TABLE kinde_claims.profiles$$),
    ('CREATE TABLE in the private schema', $$CREATE TABLE kinde_claims.kc_evil (x int)$$),
    ('ALTER SCHEMA RENAME', $$ALTER SCHEMA kinde_claims RENAME TO kc_evil$$),
    ('DROP SCHEMA CASCADE', $$DROP SCHEMA kinde_claims CASCADE$$),
    ('ALTER ROLE SET kinde_claims.max_claims_bytes',
     $$ALTER ROLE regress_kc_priv_attacker SET kinde_claims.max_claims_bytes = 1048576$$),
    ('ALTER DATABASE SET kinde_claims.max_claims_bytes',
     format($$ALTER DATABASE %I SET kinde_claims.max_claims_bytes = 1048576$$, current_database())),
    ('LOAD the module', $$LOAD 'kinde_claims'$$),
    ('declare a SQL function over a C entry point of the module',
     $$CREATE FUNCTION public.kc_raw_upsert(text, boolean, jsonb) RETURNS jsonb
       AS 'kinde_claims', 'kinde_profile_upsert' LANGUAGE C$$)
) AS cases(input, statement);

-- Nothing changed: the victim's token, the functions' properties, RLS, triggers, and grants.
SELECT kinde_claims_for('kp_victim');
SELECT count(*) AS profiles FROM kinde_claims.profiles;
SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'kinde_claims.profiles'::regclass;
SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'kinde_claims.profiles'::regclass AND NOT tgisinternal ORDER BY 1;
SELECT has_function_privilege('public', 'kinde_profile_upsert(text, boolean, jsonb)', 'EXECUTE') AS public_may_upsert,
       has_function_privilege('regress_kc_priv_token', 'kinde_profile_upsert(text, boolean, jsonb)', 'EXECUTE') AS token_role_may_upsert;

-- Only a superuser installs the extension (the control file is not trusted).
DROP EXTENSION kinde_claims;
SELECT pg_temp.outcome_as('regress_kc_priv_attacker', $$CREATE EXTENSION kinde_claims$$) AS create_extension_as_non_superuser;
SELECT count(*) AS installed FROM pg_extension WHERE extname = 'kinde_claims';

DROP FUNCTION public.kc_evil();
DROP TABLE public.kc_evil_table;
SELECT format('REVOKE CREATE ON DATABASE %I FROM regress_kc_priv_attacker', current_database()) \gexec
REVOKE CREATE ON SCHEMA public FROM regress_kc_priv_attacker;
DROP ROLE regress_kc_priv_nobody;
DROP ROLE regress_kc_priv_token;
DROP ROLE regress_kc_priv_peeker;
DROP ROLE regress_kc_priv_attacker;
