-- The source an API function (or a projection trigger) names in the claims history is its own
-- write's only: a later direct write of the tables in the same transaction is recorded as 'sql',
-- in both editions (docs/hosted.md#differences-between-the-editions). Likewise the switch to
-- session_replication_role = origin a projection trigger makes for its write.
CREATE EXTENSION kinde_claims;
\set SHOW_CONTEXT never
-- A user's history entries' sources, oldest first.
CREATE FUNCTION pg_temp.sources(user_id text) RETURNS text LANGUAGE sql AS
    $$SELECT string_agg(source, ', ' ORDER BY id) FROM kinde_claims.claims_history WHERE kinde_id = user_id$$;

BEGIN;
SELECT kinde_profile_upsert('kp_src1', NULL, '{"plan": "pro"}');
UPDATE kinde_claims.profiles SET claims = '{"plan": "team"}' WHERE kinde_id = 'kp_src1';
SELECT kinde_profile_delete('kp_src1');
INSERT INTO kinde_claims.profiles (kinde_id, claims) VALUES ('kp_src1', '{"plan": "free"}');
COMMIT;
SELECT pg_temp.sources('kp_src1');

-- Organizations and memberships: the members' entries.
BEGIN;
SELECT kinde_organization_upsert('org_src2', '{"tier": "gold"}');
SELECT kinde_membership_upsert('kp_src2', 'org_src2', '{"seat": 1}');
UPDATE kinde_claims.memberships SET claims = '{"seat": 2}' WHERE kinde_id = 'kp_src2';
SELECT kinde_organization_upsert('org_src2', '{"tier": "silver"}');
UPDATE kinde_claims.organizations SET claims = '{"tier": "bronze"}' WHERE org_code = 'org_src2';
SELECT kinde_membership_delete('kp_src2', 'org_src2');
INSERT INTO kinde_claims.memberships (kinde_id, org_code) VALUES ('kp_src2', 'org_src2');
SELECT kinde_organization_delete('org_src2');
INSERT INTO kinde_claims.organizations (org_code, claims) VALUES ('org_src2', '{"tier": "gold"}');
INSERT INTO kinde_claims.memberships (kinde_id, org_code) VALUES ('kp_src2', 'org_src2');
COMMIT;
SELECT pg_temp.sources('kp_src2');

-- The importer.
CREATE TABLE src_profiles (kinde_id text, lifetime_subscriber boolean);
INSERT INTO src_profiles VALUES ('kp_src3', true);
BEGIN;
SELECT kinde_claims_import('src_profiles');
UPDATE kinde_claims.profiles SET claims = '{"plan": "pro"}' WHERE kinde_id = 'kp_src3';
COMMIT;
SELECT pg_temp.sources('kp_src3');

-- A projection trigger, and the repair.
CREATE TABLE purchases (kinde_user_id text PRIMARY KEY, plan_code text);
CREATE TRIGGER purchases_claims AFTER INSERT OR UPDATE OR DELETE ON purchases
    FOR EACH ROW EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id', 'app_plan=plan_code');
BEGIN;
INSERT INTO purchases VALUES ('kp_src4', 'pro');
UPDATE kinde_claims.profiles SET claims = '{"app_plan": "team"}' WHERE kinde_id = 'kp_src4';
SELECT * FROM kinde_claims_projection_repair('purchases');
UPDATE kinde_claims.profiles SET claims = '{"app_plan": "free"}' WHERE kinde_id = 'kp_src4';
COMMIT;
SELECT pg_temp.sources('kp_src4');

-- Nor does the switch to origin a projection trigger enabled ALWAYS makes under
-- session_replication_role = replica (so that the tables' own triggers fire) outlast its write.
ALTER TABLE purchases ENABLE ALWAYS TRIGGER purchases_claims;
BEGIN;
SET LOCAL session_replication_role = replica;
INSERT INTO purchases VALUES ('kp_src6', 'team');
SHOW session_replication_role;
SELECT count(*) AS repaired FROM kinde_claims_projection_repair('purchases');
SHOW session_replication_role;
COMMIT;
SELECT pg_temp.sources('kp_src6');

-- A write path that failed in a savepoint leaves no source behind either.
BEGIN;
SAVEPOINT s;
SELECT kinde_profile_upsert('kp_src5', NULL, '{"plan": "pro"}');
SELECT 1 / 0;
ROLLBACK TO SAVEPOINT s;
INSERT INTO kinde_claims.profiles (kinde_id, claims) VALUES ('kp_src5', '{"plan": "team"}');
COMMIT;
SELECT pg_temp.sources('kp_src5');

DROP TABLE src_profiles, purchases;
DROP EXTENSION kinde_claims;
