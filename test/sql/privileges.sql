-- Privileges: after CREATE EXTENSION nobody but the owner can call a function or read the table,
-- not even roles that Supabase-style default privileges would have granted.
CREATE ROLE regress_kc_anon NOLOGIN NOINHERIT;
CREATE ROLE regress_kc_authenticated NOLOGIN NOINHERIT;
CREATE ROLE regress_kc_workflow NOLOGIN;
CREATE ROLE regress_kc_backend NOLOGIN;
-- What a Supabase project runs: new functions and tables in public are born granted to anon.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO regress_kc_anon, regress_kc_authenticated;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO regress_kc_anon, regress_kc_authenticated;

CREATE EXTENSION kinde_claims;
SELECT kinde_profile_upsert('kp_secret', true, '{"plan": "pro"}');

-- No role but the owner holds any privilege on any function.
SELECT r.rolname, f.fn, has_function_privilege(r.rolname, f.fn, 'EXECUTE') AS can_execute
FROM unnest(ARRAY['regress_kc_anon', 'regress_kc_authenticated', 'regress_kc_workflow', 'regress_kc_backend']) r(rolname),
     unnest(ARRAY['kinde_claims_for(text, text)', 'kinde_profile_upsert(text,boolean,jsonb)', 'kinde_profile_delete(text)']) f(fn)
ORDER BY 1, 2;

\set VERBOSITY sqlstate
SET ROLE regress_kc_anon;
SELECT kinde_claims_for('kp_secret');
SELECT kinde_profile_upsert('kp_secret', false);
SELECT kinde_profile_delete('kp_secret');
SELECT * FROM kinde_claims.profiles;
RESET ROLE;
\set VERBOSITY default

-- The operator's grants: the workflow reads, the backend writes.
GRANT EXECUTE ON FUNCTION kinde_claims_for(text, text) TO regress_kc_workflow;
GRANT EXECUTE ON FUNCTION kinde_profile_upsert(text, boolean, jsonb), kinde_profile_delete(text) TO regress_kc_backend;

SET ROLE regress_kc_workflow;
SELECT kinde_claims_for('kp_secret');
\set VERBOSITY sqlstate
SELECT kinde_profile_upsert('kp_secret', false);
SELECT kinde_profile_delete('kp_secret');
\set VERBOSITY default
RESET ROLE;

SET ROLE regress_kc_backend;
SELECT kinde_profile_upsert('kp_written', true);
SELECT kinde_profile_delete('kp_written');
\set VERBOSITY sqlstate
SELECT kinde_claims_for('kp_secret');
\set VERBOSITY default
RESET ROLE;

-- A role granted the schema and the table still sees no row and can change none: RLS is on
-- with no policy.
GRANT USAGE ON SCHEMA kinde_claims TO regress_kc_authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON kinde_claims.profiles TO regress_kc_authenticated;
SET ROLE regress_kc_authenticated;
SELECT count(*) AS visible_rows FROM kinde_claims.profiles;
WITH changed AS (UPDATE kinde_claims.profiles SET lifetime_subscriber = true RETURNING 1)
SELECT count(*) AS rows_updated FROM changed;
WITH removed AS (DELETE FROM kinde_claims.profiles RETURNING 1)
SELECT count(*) AS rows_deleted FROM removed;
\set VERBOSITY sqlstate
INSERT INTO kinde_claims.profiles (kinde_id, lifetime_subscriber) OVERRIDING SYSTEM VALUE VALUES ('kp_me', true);
INSERT INTO kinde_claims.profiles (kinde_id, lifetime_subscriber) VALUES ('kp_me', true);
\set VERBOSITY default
RESET ROLE;
SELECT kinde_id, lifetime_subscriber FROM kinde_claims.profiles ORDER BY kinde_id;

DROP EXTENSION kinde_claims;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON FUNCTIONS FROM regress_kc_anon, regress_kc_authenticated;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM regress_kc_anon, regress_kc_authenticated;
DROP ROLE regress_kc_anon, regress_kc_authenticated, regress_kc_workflow, regress_kc_backend;
