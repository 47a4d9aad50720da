-- An update keeps every grant an administrator made: README's Privileges block applied to a
-- 0.1.0 and a 0.3.0 database (the workflow's EXECUTE on the token path, the writer's on the
-- writes), then ALTER EXTENSION UPDATE. What default privileges gave the new functions is still
-- taken away, and the administrator's grants stay out of pg_init_privs (so pg_dump dumps them).
CREATE ROLE regress_kc_up_workflow NOLOGIN NOINHERIT;
CREATE ROLE regress_kc_up_writer NOLOGIN NOINHERIT;
CREATE ROLE regress_kc_up_anon NOLOGIN NOINHERIT;
-- Supabase-style default privileges (FACTS.md §3).
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO regress_kc_up_anon;
CREATE TEMP TABLE start_version (v text);
INSERT INTO start_version VALUES ('0.1.0'), ('0.3.0');
SELECT format($f$
CREATE EXTENSION kinde_claims VERSION %L;
GRANT EXECUTE ON FUNCTION kinde_claims_for(text) TO regress_kc_up_workflow;
GRANT EXECUTE ON FUNCTION kinde_profile_upsert(text, boolean, jsonb), kinde_profile_delete(text) TO regress_kc_up_writer;
GRANT EXECUTE ON FUNCTION kinde_claims_for(text) TO regress_kc_up_writer WITH GRANT OPTION;
ALTER EXTENSION kinde_claims UPDATE;
CREATE TEMP TABLE grants_after_%s AS
SELECT p.oid::regprocedure::text AS function, a.grantee::regrole::text AS grantee, a.privilege_type, a.is_grantable
FROM pg_proc p, aclexplode(p.proacl) a
WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'kinde%%' AND a.grantee <> p.proowner;
CREATE TEMP TABLE init_privs_%s AS
SELECT count(*) AS operator_grants_in_init_privs FROM pg_init_privs i, aclexplode(i.initprivs) a
WHERE a.grantee IN ('regress_kc_up_workflow'::regrole, 'regress_kc_up_writer'::regrole);
DROP EXTENSION kinde_claims;
$f$, v, replace(v, '.', '_'), replace(v, '.', '_')) FROM start_version ORDER BY v
\gexec
SELECT * FROM grants_after_0_1_0 ORDER BY 1, 2;
SELECT * FROM init_privs_0_1_0;
-- The same from 0.3.0.
SELECT * FROM grants_after_0_3_0 EXCEPT SELECT * FROM grants_after_0_1_0;
SELECT * FROM init_privs_0_3_0;
-- The workflow's role still reads through the updated function.
CREATE EXTENSION kinde_claims VERSION '0.3.0';
GRANT EXECUTE ON FUNCTION kinde_claims_for(text) TO regress_kc_up_workflow;
SELECT kinde_profile_upsert('kp_up1', true, '{"plan": "pro"}');
ALTER EXTENSION kinde_claims UPDATE;
SET ROLE regress_kc_up_workflow;
SELECT kinde_claims_for('kp_up1'), kinde_claims_for('kp_up1', 'org_up');
-- 0.6.0 replaced kinde_claims_for(text) with kinde_claims_for(text, text): one function, the
-- grant carried over; the new write functions are granted to nobody.
SELECT p.oid::regprocedure FROM pg_proc p
WHERE p.pronamespace = 'public'::regnamespace AND p.proname = 'kinde_claims_for';
\set ON_ERROR_STOP 0
SELECT kinde_organization_upsert('org_up', '{}');
\set ON_ERROR_STOP 1
RESET ROLE;
DROP EXTENSION kinde_claims;

-- 0.7.0 replaced kinde_claims_history(text) (org_code added to its result). An administrator's
-- grants of it, made on 0.5.0 or 0.6.0, carry over with their grant option, and nobody else gets
-- it: not a role the default privileges name either (regress_kc_up_anon), even granted by hand,
-- since every update takes what such a role holds (it cannot tell that grant from the default one).
SELECT format($f$
CREATE EXTENSION kinde_claims VERSION %L;
GRANT EXECUTE ON FUNCTION kinde_claims_history(text) TO regress_kc_up_workflow;
GRANT EXECUTE ON FUNCTION kinde_claims_history(text) TO regress_kc_up_writer WITH GRANT OPTION;
GRANT EXECUTE ON FUNCTION kinde_claims_history(text) TO regress_kc_up_anon;
ALTER EXTENSION kinde_claims UPDATE;
CREATE TEMP TABLE history_grants_%s AS
SELECT p.oid::regprocedure::text AS function, a.grantee::regrole::text AS grantee, a.privilege_type, a.is_grantable
FROM pg_proc p, aclexplode(p.proacl) a
WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'kinde_claims_history%%' AND a.grantee <> p.proowner;
CREATE TEMP TABLE history_init_privs_%s AS
SELECT count(*) AS operator_grants_in_init_privs FROM pg_init_privs i, aclexplode(i.initprivs) a
WHERE a.grantee IN ('regress_kc_up_workflow'::regrole, 'regress_kc_up_writer'::regrole, 'regress_kc_up_anon'::regrole);
DROP EXTENSION kinde_claims;
$f$, v, replace(v, '.', '_'), replace(v, '.', '_')) FROM (VALUES ('0.5.0'), ('0.6.0')) start_version(v) ORDER BY v
\gexec
SELECT * FROM history_grants_0_6_0 ORDER BY 1, 2;
SELECT * FROM history_init_privs_0_6_0;
-- The same from 0.5.0.
SELECT * FROM history_grants_0_5_0 EXCEPT SELECT * FROM history_grants_0_6_0;
SELECT * FROM history_grants_0_6_0 EXCEPT SELECT * FROM history_grants_0_5_0;
SELECT * FROM history_init_privs_0_5_0;

-- A view on the old function stops the update (2BP01, naming the view), which changes nothing;
-- without it the update goes through, and the granted role reads the new column.
CREATE EXTENSION kinde_claims VERSION '0.6.0';
GRANT EXECUTE ON FUNCTION kinde_claims_history(text) TO regress_kc_up_workflow;
SELECT kinde_organization_upsert('org_up', '{"tier": "gold"}');
SELECT kinde_membership_upsert('kp_up2', 'org_up');
CREATE VIEW regress_kc_up_history AS SELECT * FROM kinde_claims_history('kp_up2');
\set ON_ERROR_STOP 0
\set SHOW_CONTEXT never
ALTER EXTENSION kinde_claims UPDATE;
\set ON_ERROR_STOP 1
SELECT e.extversion, pg_get_function_result('kinde_claims_history(text)'::regprocedure),
       has_function_privilege('regress_kc_up_workflow', 'kinde_claims_history(text)', 'EXECUTE') AS granted
FROM pg_extension e WHERE e.extname = 'kinde_claims';
DROP VIEW regress_kc_up_history;
ALTER EXTENSION kinde_claims UPDATE;
SET ROLE regress_kc_up_workflow;
SELECT source, org_code, new_claims FROM kinde_claims_history('kp_up2');
RESET ROLE;

DROP EXTENSION kinde_claims;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON FUNCTIONS FROM regress_kc_up_anon;
DROP ROLE regress_kc_up_workflow;
DROP ROLE regress_kc_up_writer;
DROP ROLE regress_kc_up_anon;
