-- Bulk reloads: TRUNCATE of an app table takes off the claims its rows projected (a BEFORE
-- TRUNCATE trigger with the projection function), through the same write path; and the check and
-- the repair of an app table's projection after a write that fired no row trigger.
CREATE EXTENSION kinde_claims;
\set SHOW_CONTEXT never
CREATE SCHEMA app;
-- Everything sync has not been told about yet, per user: what the feed would lease.
CREATE FUNCTION app.unpushed() RETURNS TABLE (kinde_id text, org_code text, source text, app_table text, old_claims jsonb, new_claims jsonb)
LANGUAGE sql AS $$
    SELECT kinde_id, org_code, source, app_table, old_claims, new_claims FROM kinde_claims.claims_history
    WHERE pushed_at IS NULL ORDER BY id
$$;
CREATE FUNCTION app.leased_users() RETURNS SETOF text LANGUAGE sql AS $$
    SELECT u ->> 'user_id' FROM jsonb_array_elements(kinde_claims_changes_lease('regress_worker', 1000) -> 'users') AS u
    ORDER BY 1
$$;
CREATE PROCEDURE app.mark_all_pushed() LANGUAGE sql AS $$
    UPDATE kinde_claims.claims_history SET pushed_at = now(), push_outcome = 'refreshed', leased_until = NULL
    WHERE pushed_at IS NULL
$$;

-- The README's purchases table, with its TRUNCATE trigger: the same function and arguments.
CREATE TABLE app.purchases (kinde_user_id text PRIMARY KEY, lifetime boolean, plan_code text);
CREATE TRIGGER purchases_claims AFTER INSERT OR UPDATE OR DELETE ON app.purchases
    FOR EACH ROW EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id', 'lifetime_subscriber=lifetime', 'plan=plan_code');
CREATE TRIGGER purchases_claims_truncate BEFORE TRUNCATE ON app.purchases
    FOR EACH STATEMENT EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id', 'lifetime_subscriber=lifetime', 'plan=plan_code');
-- Another table projects "seats" for some of the same users.
CREATE TABLE app.teams (owner_id text PRIMARY KEY, seats integer);
CREATE TRIGGER teams_claims AFTER INSERT OR UPDATE OR DELETE ON app.teams
    FOR EACH ROW EXECUTE FUNCTION kinde_profile_upsert_trigger('owner_id', 'seats');

-- kp_only: claims from purchases only. kp_mixed: purchases, teams, and a direct write.
-- kp_teams: no purchase at all.
INSERT INTO app.purchases VALUES ('kp_only', true, 'lifetime'), ('kp_mixed', true, 'pro');
INSERT INTO app.teams VALUES ('kp_mixed', 5), ('kp_teams', 3);
SELECT kinde_profile_upsert('kp_mixed', claims => '{"beta": true, "plan": "pro", "seats": 5}');
-- kp_outside: the table's claims set by a direct write, with no row anywhere.
SELECT kinde_profile_upsert('kp_outside', true, '{"plan": "partner"}');
SELECT kinde_id, kinde_claims_for(kinde_id) FROM kinde_claims.profiles ORDER BY 1;
CALL app.mark_all_pushed();

-- The nightly reload: TRUNCATE, then INSERT what the payment provider says, in one transaction.
-- kp_only was refunded; kp_mixed stays a customer on another plan; kp_new is new.
BEGIN;
TRUNCATE app.purchases;
-- Inside the transaction the rows' claims are gone, every other claim stays.
SELECT kinde_id, kinde_claims_for(kinde_id) FROM kinde_claims.profiles ORDER BY 1;
INSERT INTO app.purchases VALUES ('kp_mixed', true, 'team'), ('kp_new', true, 'lifetime');
COMMIT;
SELECT kinde_id, kinde_claims_for(kinde_id) FROM kinde_claims.profiles ORDER BY 1;
-- The history: one entry per change, source truncate then trigger, naming the table.
SELECT * FROM app.unpushed();
-- The feed gives sync every user whose token changed, once each.
SELECT * FROM app.leased_users();
CALL app.mark_all_pushed();
-- The table owns the claims it maps (a DELETE takes them off whoever set them): kp_outside's,
-- with no row, disagree with it.
SELECT * FROM kinde_claims_projection_check('app.purchases');

-- A TRUNCATE that rolls back leaves every claim and writes no history.
BEGIN;
TRUNCATE app.purchases;
ROLLBACK;
SELECT count(*) AS purchases, (SELECT count(*) FROM app.unpushed()) AS entries FROM app.purchases;
SELECT kinde_claims_for('kp_new');
-- Truncating a table whose rows project nothing for anyone writes nothing.
CREATE TABLE app.empty_plans (kinde_user_id text, plan_code text);
CREATE TRIGGER empty_plans_claims AFTER INSERT OR UPDATE OR DELETE ON app.empty_plans
    FOR EACH ROW EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id', 'plan=plan_code');
CREATE TRIGGER empty_plans_claims_truncate BEFORE TRUNCATE ON app.empty_plans
    FOR EACH STATEMENT EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id', 'plan=plan_code');
TRUNCATE app.empty_plans;
SELECT count(*) AS entries FROM app.unpushed();
DROP TABLE app.empty_plans;

-- TRUNCATE ... CASCADE reaches a table with the trigger through a foreign key: its rows' claims go.
CREATE TABLE app.customers (kinde_user_id text PRIMARY KEY);
INSERT INTO app.customers SELECT kinde_user_id FROM app.purchases;
ALTER TABLE app.purchases ADD FOREIGN KEY (kinde_user_id) REFERENCES app.customers;
TRUNCATE app.customers CASCADE;
SELECT kinde_id, kinde_claims_for(kinde_id) FROM kinde_claims.profiles WHERE kinde_id IN ('kp_mixed', 'kp_new') ORDER BY 1;
SELECT kinde_id, source, app_table FROM app.unpushed();
CALL app.mark_all_pushed();
ALTER TABLE app.purchases DROP CONSTRAINT purchases_kinde_user_id_fkey;
DROP TABLE app.customers;

-- An organization's table: the organization loses the table's claims, keeps its others, and
-- every member's token for it changes (one entry each).
CREATE TABLE app.org_subscriptions (org_code text PRIMARY KEY, plan text, seats integer);
CREATE TRIGGER org_subscriptions_claims AFTER INSERT OR UPDATE OR DELETE ON app.org_subscriptions
    FOR EACH ROW EXECUTE FUNCTION kinde_organization_upsert_trigger('org_code', 'plan', 'seats');
CREATE TRIGGER org_subscriptions_claims_truncate BEFORE TRUNCATE ON app.org_subscriptions
    FOR EACH STATEMENT EXECUTE FUNCTION kinde_organization_upsert_trigger('org_code', 'plan', 'seats');
SELECT kinde_membership_upsert('kp_m1', 'org_acme'), kinde_membership_upsert('kp_m2', 'org_acme');
SELECT kinde_organization_upsert('org_acme', '{"region": "eu"}');
INSERT INTO app.org_subscriptions VALUES ('org_acme', 'business', 20), ('org_gone', 'team', 2);
CALL app.mark_all_pushed();
TRUNCATE app.org_subscriptions;
SELECT org_code, claims FROM kinde_claims.organizations ORDER BY 1;
SELECT kinde_claims_for('kp_m1', 'org_acme');
SELECT * FROM app.unpushed();
SELECT * FROM app.leased_users();
CALL app.mark_all_pushed();

-- A partitioned table: the row trigger is cloned onto each partition, statement triggers are
-- not. The TRUNCATE trigger on the parent covers TRUNCATE of the parent; TRUNCATE of one
-- partition fires that partition's own, which the docs' block creates.
CREATE TABLE app.plans (kinde_user_id text, region text, plan_code text) PARTITION BY LIST (region);
CREATE TABLE app.plans_eu PARTITION OF app.plans FOR VALUES IN ('eu');
CREATE TABLE app.plans_us (region text, plan_code text, kinde_user_id text);  -- columns in another order
ALTER TABLE app.plans ATTACH PARTITION app.plans_us FOR VALUES IN ('us');
CREATE TRIGGER plans_claims AFTER INSERT OR UPDATE OR DELETE ON app.plans
    FOR EACH ROW EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id', 'region_plan=plan_code');
INSERT INTO app.plans VALUES ('kp_eu', 'eu', 'gold'), ('kp_us', 'us', 'silver'), ('kp_us2', 'us', 'bronze');
-- An installation from before 0.8.0: app tables with row triggers only. The docs' block gives
-- every projection trigger that projects DELETE its TRUNCATE trigger, partitions included, and
-- running it again creates none.
DROP TRIGGER purchases_claims_truncate ON app.purchases;
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT r.tgrelid::regclass AS app_table, r.tgname,
               substring(pg_get_triggerdef(r.oid) FROM 'EXECUTE FUNCTION .*$') AS action
        FROM pg_trigger r JOIN pg_proc p ON p.oid = r.tgfoid
        WHERE p.proname IN ('kinde_profile_upsert_trigger', 'kinde_organization_upsert_trigger')
          AND p.oid IN (SELECT objid FROM pg_depend WHERE classid = 'pg_proc'::regclass AND deptype = 'e'
                          AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'kinde_claims'))
          AND r.tgtype & (1 | 8) = (1 | 8)          -- FOR EACH ROW, fired by DELETE
          AND NOT EXISTS (SELECT FROM pg_trigger s  -- no BEFORE TRUNCATE trigger like it yet
                          WHERE s.tgrelid = r.tgrelid AND s.tgfoid = r.tgfoid
                            AND s.tgtype & (2 | 32) = (2 | 32) AND s.tgargs = r.tgargs)
    LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %s FOR EACH STATEMENT %s',
                       left(t.tgname, 54) || '_truncate', t.app_table, t.action);
    END LOOP;
END $$;
SELECT tgrelid::regclass AS app_table, tgname FROM pg_trigger WHERE tgtype & 32 = 32 ORDER BY 1, 2;
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT r.tgrelid::regclass AS app_table, r.tgname,
               substring(pg_get_triggerdef(r.oid) FROM 'EXECUTE FUNCTION .*$') AS action
        FROM pg_trigger r JOIN pg_proc p ON p.oid = r.tgfoid
        WHERE p.proname IN ('kinde_profile_upsert_trigger', 'kinde_organization_upsert_trigger')
          AND p.oid IN (SELECT objid FROM pg_depend WHERE classid = 'pg_proc'::regclass AND deptype = 'e'
                          AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'kinde_claims'))
          AND r.tgtype & (1 | 8) = (1 | 8)          -- FOR EACH ROW, fired by DELETE
          AND NOT EXISTS (SELECT FROM pg_trigger s  -- no BEFORE TRUNCATE trigger like it yet
                          WHERE s.tgrelid = r.tgrelid AND s.tgfoid = r.tgfoid
                            AND s.tgtype & (2 | 32) = (2 | 32) AND s.tgargs = r.tgargs)
    LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %s FOR EACH STATEMENT %s',
                       left(t.tgname, 54) || '_truncate', t.app_table, t.action);
    END LOOP;
END $$;
SELECT count(*) AS truncate_triggers FROM pg_trigger WHERE tgtype & 32 = 32;
TRUNCATE app.plans_us;
SELECT kinde_id, kinde_claims_for(kinde_id) FROM kinde_claims.profiles WHERE kinde_id LIKE 'kp\_%u%' ORDER BY 1;
INSERT INTO app.plans VALUES ('kp_us', 'us', 'silver');
TRUNCATE app.plans;
SELECT kinde_id, kinde_claims_for(kinde_id) FROM kinde_claims.profiles WHERE kinde_id LIKE 'kp\_%u%' ORDER BY 1;
SELECT kinde_id, source, app_table, new_claims FROM app.unpushed();
CALL app.mark_all_pushed();

-- The trigger must fire BEFORE TRUNCATE (the rows are gone after it); statement triggers on
-- other events are refused as before.
\set ON_ERROR_STOP 0
CREATE TABLE app.wrong (kinde_user_id text, plan_code text);
CREATE TRIGGER wrong_after AFTER TRUNCATE ON app.wrong
    FOR EACH STATEMENT EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id', 'plan=plan_code');
TRUNCATE app.wrong;
\echo SQLSTATE :SQLSTATE
DROP TRIGGER wrong_after ON app.wrong;
CREATE TRIGGER wrong_statement AFTER INSERT ON app.wrong
    FOR EACH STATEMENT EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id', 'plan=plan_code');
INSERT INTO app.wrong VALUES ('kp_x', 'x');
\echo SQLSTATE :SQLSTATE
DROP TRIGGER wrong_statement ON app.wrong;
-- Its arguments are checked like the row trigger's.
CREATE TRIGGER wrong_arguments BEFORE TRUNCATE ON app.wrong
    FOR EACH STATEMENT EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id', 'plan=no_such_column');
TRUNCATE app.wrong;
\echo SQLSTATE :SQLSTATE
DROP TABLE app.wrong;
\set ON_ERROR_STOP 1

-- Writes that fire no row trigger leave claims behind; the check finds them, the repair fixes
-- them through the same write path (history source repair), and the feed sees the users.
-- 1. session_replication_role = replica (a logical replication subscriber's apply worker,
--    pg_restore --disable-triggers): no ordinary trigger fires, TRUNCATE's neither.
INSERT INTO app.purchases VALUES ('kp_r1', true, 'lifetime'), ('kp_r2', false, 'pro');
SET session_replication_role = replica;
TRUNCATE app.purchases;
INSERT INTO app.purchases VALUES ('kp_r2', true, 'team'), ('kp_r3', true, 'pro');
RESET session_replication_role;
-- 2. A disabled trigger.
ALTER TABLE app.teams DISABLE TRIGGER teams_claims;
UPDATE app.teams SET seats = 9 WHERE owner_id = 'kp_teams';
ALTER TABLE app.teams ENABLE TRIGGER teams_claims;
-- 3. A partition detached (it loses the cloned trigger; its rows leave the table) and one dropped.
INSERT INTO app.plans VALUES ('kp_eu', 'eu', 'gold'), ('kp_us', 'us', 'silver');
-- (Checked alone, a partition compares only the ids with rows in it: kp_eu's claims come from
-- the other partition.)
SELECT count(*) AS disagreements FROM kinde_claims_projection_check('app.plans_us');
ALTER TABLE app.plans DETACH PARTITION app.plans_eu;
DROP TABLE app.plans_us;
CALL app.mark_all_pushed();
SELECT * FROM kinde_claims_projection_check('app.purchases');
SELECT * FROM kinde_claims_projection_check('app.teams');
SELECT * FROM kinde_claims_projection_check('app.plans');
SELECT * FROM kinde_claims_projection_check('app.org_subscriptions');
-- The check writes nothing.
SELECT count(*) AS entries FROM app.unpushed();
SELECT * FROM kinde_claims_projection_repair('app.purchases');
SELECT * FROM kinde_claims_projection_repair('app.teams');
SELECT * FROM kinde_claims_projection_repair('app.plans');
SELECT kinde_id, kinde_claims_for(kinde_id) FROM kinde_claims.profiles ORDER BY 1;
SELECT kinde_id, source, app_table, old_claims, new_claims FROM app.unpushed();
SELECT * FROM app.leased_users();
CALL app.mark_all_pushed();
-- Afterwards the tables and the claims agree, and a second repair writes nothing.
SELECT count(*) AS disagreements FROM kinde_claims_projection_check('app.purchases');
SELECT count(*) AS rewritten FROM kinde_claims_projection_repair('app.purchases');
SELECT count(*) AS entries FROM app.unpushed();

-- 4. A partition attached with rows: the row trigger is cloned onto it, its rows were never
--    projected.
CREATE TABLE app.plans_asia (kinde_user_id text, region text, plan_code text);
INSERT INTO app.plans_asia VALUES ('kp_asia', 'asia', 'jade');
ALTER TABLE app.plans ATTACH PARTITION app.plans_asia FOR VALUES IN ('asia');
SELECT * FROM kinde_claims_projection_check('app.plans');
SELECT count(*) AS rewritten FROM kinde_claims_projection_repair('app.plans');
SELECT kinde_claims_for('kp_asia');
CALL app.mark_all_pushed();

-- Enabled ALWAYS (on a subscriber that replicates the app table), the triggers fire under
-- session_replication_role = replica too, and their writes fire the extension's own triggers:
-- the rules, the history and the feed, as anywhere else.
ALTER TABLE app.purchases ENABLE ALWAYS TRIGGER purchases_claims, ENABLE ALWAYS TRIGGER purchases_claims_truncate;
SET session_replication_role = replica;
TRUNCATE app.purchases;
INSERT INTO app.purchases VALUES ('kp_r3', false, 'free');
SHOW session_replication_role;
RESET session_replication_role;
ALTER TABLE app.purchases ENABLE TRIGGER purchases_claims, ENABLE TRIGGER purchases_claims_truncate;
SELECT kinde_id, kinde_claims_for(kinde_id) FROM kinde_claims.profiles WHERE kinde_id IN ('kp_r2', 'kp_r3') ORDER BY 1;
SELECT kinde_id, source, app_table, new_claims FROM app.unpushed();
SELECT * FROM app.leased_users();
CALL app.mark_all_pushed();

-- A partial restore (pg_dump -n app): the organizations' table comes back with rows the stored
-- claims do not have, and a profile keeps a plan no row gives.
ALTER TABLE app.org_subscriptions DISABLE TRIGGER USER;
INSERT INTO app.org_subscriptions VALUES ('org_acme', 'enterprise', 50), ('org_new', 'team', 4);
ALTER TABLE app.org_subscriptions ENABLE TRIGGER USER;
SELECT * FROM kinde_claims_projection_check('app.org_subscriptions');
SELECT * FROM kinde_claims_projection_repair('app.org_subscriptions');
SELECT org_code, claims FROM kinde_claims.organizations ORDER BY 1;
SELECT kinde_claims_for('kp_m2', 'org_acme');
SELECT kinde_id, org_code, source, app_table, new_claims FROM app.unpushed();
SELECT * FROM app.leased_users();
CALL app.mark_all_pushed();

-- Several rows for one user: the check accepts the claims of any of them.
CREATE TABLE app.orders (order_id integer PRIMARY KEY, customer text, plan_code text);
CREATE TRIGGER orders_claims AFTER INSERT OR UPDATE OR DELETE ON app.orders
    FOR EACH ROW EXECUTE FUNCTION kinde_profile_upsert_trigger('customer', 'order_plan=plan_code');
INSERT INTO app.orders VALUES (1, 'kp_multi', 'a'), (2, 'kp_multi', 'b');
SELECT count(*) AS disagreements FROM kinde_claims_projection_check('app.orders');
-- A trigger without DELETE leaves a removed row's claims on purpose: not a disagreement.
CREATE TABLE app.grants (kinde_user_id text, badge text);
CREATE TRIGGER grants_claims AFTER INSERT ON app.grants
    FOR EACH ROW EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id', 'badge');
INSERT INTO app.grants VALUES ('kp_badge', 'early');
DELETE FROM app.grants;
SELECT count(*) AS disagreements FROM kinde_claims_projection_check('app.grants');
CALL app.mark_all_pushed();

-- Errors.
\set ON_ERROR_STOP 0
SELECT * FROM kinde_claims_projection_check(NULL);
\echo SQLSTATE :SQLSTATE
SELECT * FROM kinde_claims_projection_repair(NULL);
\echo SQLSTATE :SQLSTATE
-- The repair writes: refused in a read-only transaction (and on a hot standby), before any lock.
BEGIN READ ONLY;
SELECT * FROM kinde_claims_projection_repair('app.purchases');
\echo SQLSTATE :SQLSTATE
ROLLBACK;
SELECT * FROM kinde_claims_projection_check(4294967295::oid::regclass);
\echo SQLSTATE :SQLSTATE
CREATE VIEW app.purchases_view AS SELECT * FROM app.purchases;
SELECT * FROM kinde_claims_projection_check('app.purchases_view');
\echo SQLSTATE :SQLSTATE
SELECT * FROM kinde_claims_projection_check('app.plans_eu');  -- detached: no trigger left
\echo SQLSTATE :SQLSTATE
-- A trigger with a WHEN condition: which rows it projects is the condition's to say.
CREATE TRIGGER plans_eu_claims AFTER INSERT OR UPDATE ON app.plans_eu
    FOR EACH ROW WHEN (NEW.plan_code IS NOT NULL) EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id', 'region_plan=plan_code');
SELECT * FROM kinde_claims_projection_check('app.plans_eu');
\echo SQLSTATE :SQLSTATE
-- A role that may run them but not read the table; one that reads it through row-level security.
CREATE ROLE regress_kc_checker;
GRANT USAGE ON SCHEMA app TO regress_kc_checker;
GRANT EXECUTE ON FUNCTION kinde_claims_projection_check(regclass) TO regress_kc_checker;
SET ROLE regress_kc_checker;
SELECT * FROM kinde_claims_projection_check('app.purchases');
\echo SQLSTATE :SQLSTATE
RESET ROLE;
GRANT SELECT ON app.purchases TO regress_kc_checker;
ALTER TABLE app.purchases ENABLE ROW LEVEL SECURITY;
CREATE POLICY purchases_some ON app.purchases FOR SELECT USING (kinde_user_id = 'kp_new');
SET ROLE regress_kc_checker;
SELECT * FROM kinde_claims_projection_check('app.purchases');
\echo SQLSTATE :SQLSTATE
RESET ROLE;
-- A role that may read every row gets the answer: the stored claims are read as their owner.
ALTER ROLE regress_kc_checker BYPASSRLS;
SET ROLE regress_kc_checker;
SELECT count(*) AS disagreements FROM kinde_claims_projection_check('app.purchases');
RESET ROLE;
ALTER ROLE regress_kc_checker NOBYPASSRLS;
-- A row the rules refuse (restored without its trigger) fails the repair, naming it; nothing written.
ALTER TABLE app.teams DISABLE TRIGGER teams_claims;
INSERT INTO app.teams VALUES ('kp_big', 9223372036854775807 / 4294967296);
ALTER TABLE app.teams ALTER COLUMN seats TYPE bigint;
UPDATE app.teams SET seats = 9223372036854775807 WHERE owner_id = 'kp_big';
ALTER TABLE app.teams ENABLE TRIGGER teams_claims;
SELECT * FROM kinde_claims_projection_repair('app.teams');
\echo SQLSTATE :SQLSTATE
\set ON_ERROR_STOP 1
SELECT count(*) AS entries FROM app.unpushed();

-- Nobody but the owner may run the new functions after install.
SELECT p.oid::regprocedure, p.proacl IS NULL OR NOT pg_catalog.has_function_privilege('public', p.oid, 'EXECUTE') AS not_public
FROM pg_proc p WHERE p.proname LIKE 'kinde_claims_projection_%' ORDER BY 1;

DROP TABLE app.purchases, app.teams, app.plans, app.plans_eu, app.org_subscriptions, app.orders, app.grants CASCADE;
DROP SCHEMA app CASCADE;
DROP EXTENSION kinde_claims;
DROP ROLE regress_kc_checker;
