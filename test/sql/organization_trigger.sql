-- kinde_organization_upsert_trigger(): the app's organization-keyed tables keep the organization's
-- claims in step, like kinde_profile_upsert_trigger for user-keyed ones.
CREATE EXTENSION kinde_claims;
\getenv abs_srcdir PG_ABS_SRCDIR
\set setting_sql :abs_srcdir '/lib/setting.sql'
\i :setting_sql
\set SHOW_CONTEXT never
CREATE TABLE org_subscriptions (org_code text PRIMARY KEY, plan text, seats integer, renews timestamptz);
CREATE TRIGGER org_subscriptions_claims AFTER INSERT OR UPDATE OR DELETE ON org_subscriptions
    FOR EACH ROW EXECUTE FUNCTION kinde_organization_upsert_trigger('org_code', 'plan', 'seats');

-- Insert: the organization and its claims; members' tokens carry them.
SELECT kinde_membership_upsert('kp_t1', 'org_t1', '{"seat_role": "admin"}');
SELECT kinde_organization_upsert('org_t1', '{"region": "eu"}');
INSERT INTO org_subscriptions VALUES ('org_t1', 'team', 10);
SELECT claims FROM kinde_claims.organizations WHERE org_code = 'org_t1';
SELECT kinde_claims_for('kp_t1', 'org_t1');
-- Update: only the mapped claims change; the app's other claims stay.
UPDATE org_subscriptions SET seats = 25 WHERE org_code = 'org_t1';
SELECT claims FROM kinde_claims.organizations WHERE org_code = 'org_t1';
-- A change the token does not see (an unmapped column): nothing written, no history.
SELECT count(*) AS entries_before FROM kinde_claims.claims_history WHERE org_code = 'org_t1' \gset
UPDATE org_subscriptions SET renews = now() WHERE org_code = 'org_t1';
SELECT count(*) - :entries_before AS new_entries FROM kinde_claims.claims_history WHERE org_code = 'org_t1';
-- History names the app table, one entry per member.
SELECT kinde_id, source, app_table, new_claims FROM kinde_claims.claims_history
WHERE org_code = 'org_t1' ORDER BY id DESC LIMIT 1;
-- A NULL column drops its claim; moving the row to another organization moves its claims.
UPDATE org_subscriptions SET plan = NULL WHERE org_code = 'org_t1';
SELECT claims FROM kinde_claims.organizations WHERE org_code = 'org_t1';
UPDATE org_subscriptions SET org_code = 'org_t2', plan = 'pro' WHERE org_code = 'org_t1';
SELECT org_code, claims FROM kinde_claims.organizations WHERE org_code IN ('org_t1', 'org_t2') ORDER BY 1;
-- Delete: the mapped claims go, the organization and its other claims stay.
DELETE FROM org_subscriptions WHERE org_code = 'org_t2';
SELECT org_code, claims FROM kinde_claims.organizations WHERE org_code = 'org_t2';

-- The rules: a malformed org code, the merged size, lifetime_subscriber; nothing half-written.
\set ON_ERROR_STOP 0
INSERT INTO org_subscriptions VALUES ('org-bad', 'team', 1);
SELECT pg_temp.kc_set('kinde_claims.max_claims_bytes', '60');
INSERT INTO org_subscriptions VALUES ('org_t1', repeat('p', 15), NULL);  -- 43 bytes alone, 65 with kp_t1's membership
SELECT pg_temp.kc_set('kinde_claims.max_claims_bytes', NULL);
CREATE TABLE org_flags (org_code text, subscriber boolean);
CREATE TRIGGER org_flags_claims AFTER INSERT ON org_flags
    FOR EACH ROW EXECUTE FUNCTION kinde_organization_upsert_trigger('org_code', 'lifetime_subscriber=subscriber');
INSERT INTO org_flags VALUES ('org_t1', true);
CREATE TABLE org_ids (org_code integer, plan text);
CREATE TRIGGER org_ids_claims AFTER INSERT ON org_ids
    FOR EACH ROW EXECUTE FUNCTION kinde_organization_upsert_trigger('org_code', 'plan');
INSERT INTO org_ids VALUES (1, 'x');
CREATE TABLE org_sub (org_code text, sub text);
CREATE TRIGGER org_sub_claims AFTER INSERT ON org_sub
    FOR EACH ROW EXECUTE FUNCTION kinde_organization_upsert_trigger('org_code', 'sub');
INSERT INTO org_sub VALUES ('org_t1', 'kp_other');
\set ON_ERROR_STOP 1
SELECT count(*) AS rows_left FROM org_subscriptions;
SELECT claims FROM kinde_claims.organizations WHERE org_code = 'org_t1';
-- Nobody but the owner may execute it after install.
SELECT proacl FROM pg_proc WHERE proname = 'kinde_organization_upsert_trigger';

DROP TABLE org_subscriptions, org_flags, org_ids, org_sub;
DROP EXTENSION kinde_claims;
