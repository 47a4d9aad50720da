-- An update keeps the stored tokens' one rule (0.9.0, kinde_claims.member_token): a database at
-- 0.8.0 updated. Run by 20-regress only (upgrade_*: the SQL edition installs only its one version).
-- The helpers need 0.9.0 when created, so they are made first and outlive the extension.
CREATE EXTENSION kinde_claims;
\set SHOW_CONTEXT never
\getenv abs_srcdir PG_ABS_SRCDIR
\set member_tokens_sql :abs_srcdir '/lib/member_tokens.sql'
\i :member_tokens_sql
DROP EXTENSION kinde_claims;

-- A database still at 0.8.0 (no kinde_claims.member_token) served by this library before ALTER
-- EXTENSION ... UPDATE: its statements spell the same rule inline and store the same tokens and
-- history; after the update they call the function.
CREATE EXTENSION kinde_claims VERSION '0.8.0';
SELECT to_regprocedure('kinde_claims.member_token(jsonb, boolean, jsonb, jsonb)') AS member_token;
SELECT kinde_profile_upsert('kp_l1', true, '{"plan": "free"}');
SELECT kinde_organization_upsert('org_l1', '{"plan": "team", "region": "eu"}');
SELECT kinde_membership_upsert('kp_l1', 'org_l1', '{"seat": "admin"}');
SELECT kinde_membership_upsert('kp_l2', 'org_l1');
SELECT kinde_organization_upsert('org_l1', '{"region": "us"}');
SELECT kinde_profile_upsert('kp_l2', false, '{"theme": "dark"}');
SELECT kinde_membership_delete('kp_l1', 'org_l1');
SELECT kinde_id, org_code, token FROM kinde_claims.memberships ORDER BY 1, 2;
SELECT pg_temp.cpp_differs() AS unlike_the_cpp_merge;
SELECT kinde_id, org_code, source, old_claims, new_claims FROM kinde_claims.claims_history
WHERE org_code IS NOT NULL ORDER BY id;
ALTER EXTENSION kinde_claims UPDATE;
SELECT kinde_membership_upsert('kp_l1', 'org_l1', '{"seat": "back"}');
SELECT kinde_organization_upsert('org_l1', '{"region": "ap"}');
SELECT pg_temp.check('0.8.0 updated to 0.9.0');
DROP EXTENSION kinde_claims;
