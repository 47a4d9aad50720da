-- The token stored in each membership row (0.6.0): kinde_claims_for(user, org) of a member reads
-- memberships.token, so after every write path, the stored token must equal the merge of the
-- three tables (user || organization || membership, the user's lifetime_subscriber): the one rule
-- kinde_claims.member_token (0.9.0), and the C++ merge kinde_claims_for makes of a row with no
-- stored token (token_claims_build_merged).
CREATE EXTENSION kinde_claims;
\set SHOW_CONTEXT never

-- The rule is one SQL expression the planner inlines into the statements that call it (the plan
-- shows the expression, no call), and only its owner may call it.
EXPLAIN (VERBOSE, COSTS OFF)
SELECT kinde_claims.member_token(p.claims, p.lifetime_subscriber, '{"org": 1}', '{"seat": 2}')
FROM kinde_claims.profiles p;
SELECT p.provolatile, p.prosecdef, p.proconfig, p.proacl FROM pg_proc p
WHERE p.oid = 'kinde_claims.member_token(jsonb, boolean, jsonb, jsonb)'::regprocedure;
SELECT kinde_claims.member_token('{"a": 1, "b": 1}', true, '{"b": 2, "c": 2}', '{"c": 3}') AS member,
       kinde_claims.member_token('{"a": 1}', NULL, '{"b": 2}', NULL) AS no_membership,
       kinde_claims.member_token(NULL, false, NULL, '{}') AS empty_parts;

\getenv abs_srcdir PG_ABS_SRCDIR
\set member_tokens_sql :abs_srcdir '/lib/member_tokens.sql'
\i :member_tokens_sql

-- Membership writes compute their own token.
SELECT kinde_profile_upsert('kp_t1', true, '{"plan": "free", "theme": "dark"}');
SELECT kinde_organization_upsert('org_t1', '{"plan": "enterprise", "region": "eu"}');
SELECT kinde_membership_upsert('kp_t1', 'org_t1', '{"seat": "admin"}');
SELECT kinde_membership_upsert('kp_t2', 'org_t1');                 -- no profile yet: one is made
SELECT kinde_membership_upsert('kp_t1', 'org_t2', '{"seat": "viewer"}');  -- no organization yet
SELECT kinde_membership_upsert('kp_t3', 'org_t1', '{"plan": "member-plan"}');
SELECT token FROM kinde_claims.memberships WHERE (kinde_id, org_code) = ('kp_t1', 'org_t1');
SELECT pg_temp.check('membership upserts');
SELECT kinde_membership_upsert('kp_t1', 'org_t1', '{"seat": "owner"}');
SELECT kinde_membership_upsert('kp_t1', 'org_t1');  -- NULL keeps the claims, and the token
SELECT pg_temp.check('membership updates');

-- The user's writes, by every path, rewrite the tokens of each of the user's memberships.
SELECT kinde_profile_upsert('kp_t1', NULL, '{"plan": "pro", "theme": "light"}');
SELECT pg_temp.check('kinde_profile_upsert, claims');
SELECT kinde_profile_upsert('kp_t1', false);
SELECT token ->> 'lifetime_subscriber' AS flag_in_token FROM kinde_claims.memberships WHERE kinde_id = 'kp_t1' ORDER BY org_code;
SELECT pg_temp.check('kinde_profile_upsert, lifetime_subscriber only');
UPDATE kinde_claims.profiles SET claims = claims || '{"n": 1.0}' WHERE kinde_id = 'kp_t2';
SELECT pg_temp.check('direct UPDATE of profiles');
UPDATE kinde_claims.profiles SET claims = '{"n": 1}' WHERE kinde_id = 'kp_t2';  -- equal as jsonb, other text
SELECT token -> 'n' AS n FROM kinde_claims.memberships WHERE kinde_id = 'kp_t2';
SELECT pg_temp.check('direct UPDATE, same value in other text');
SELECT kinde_profile_delete('kp_t3');
SELECT pg_temp.check('kinde_profile_delete');
INSERT INTO kinde_claims.profiles (kinde_id, lifetime_subscriber, claims) VALUES ('kp_t3', true, '{"back": true}');
SELECT pg_temp.check('direct INSERT of a member''s profile');
DELETE FROM kinde_claims.profiles WHERE kinde_id = 'kp_t3';
SELECT pg_temp.check('direct DELETE of a member''s profile');
-- A profile moved to another id: both users' tokens follow.
SELECT kinde_profile_upsert('kp_t4', true, '{"moving": 1}');
SELECT kinde_membership_upsert('kp_t4', 'org_t1'), kinde_membership_upsert('kp_t5', 'org_t1');
DELETE FROM kinde_claims.profiles WHERE kinde_id = 'kp_t5';  -- the default one the membership made
UPDATE kinde_claims.profiles SET kinde_id = 'kp_t5' WHERE kinde_id = 'kp_t4';
SELECT kinde_id, token FROM kinde_claims.memberships WHERE kinde_id IN ('kp_t4', 'kp_t5') ORDER BY 1;
SELECT pg_temp.check('a profile''s kinde_id moved');
-- An app table's projection trigger.
CREATE TABLE app_plans (kinde_user_id text PRIMARY KEY, plan text, lifetime boolean);
CREATE TRIGGER app_plans_claims AFTER INSERT OR UPDATE OR DELETE ON app_plans
    FOR EACH ROW EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id', 'lifetime_subscriber=lifetime', 'plan');
INSERT INTO app_plans VALUES ('kp_t1', 'team', true), ('kp_t2', 'solo', NULL);
SELECT pg_temp.check('kinde_profile_upsert_trigger, insert');
UPDATE app_plans SET plan = 'business' WHERE kinde_user_id = 'kp_t1';
DELETE FROM app_plans WHERE kinde_user_id = 'kp_t2';
SELECT pg_temp.check('kinde_profile_upsert_trigger, update and delete');
-- COPY into an app table is not a restore: its trigger's writes keep the tokens exact.
CREATE TABLE app_notes (kinde_user_id text PRIMARY KEY, note text);
CREATE TRIGGER app_notes_claims AFTER INSERT OR UPDATE OR DELETE ON app_notes
    FOR EACH ROW EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id', 'note');
COPY app_notes (kinde_user_id, note) FROM stdin;
kp_t5	copied
\.
SELECT token ->> 'note' AS copied_note FROM kinde_claims.memberships WHERE kinde_id = 'kp_t5';
SELECT pg_temp.check('COPY into an app table');
-- The import makes members subscribers.
CREATE TABLE legacy (kinde_id text, lifetime_subscriber boolean);
INSERT INTO legacy VALUES ('kp_t2', true), ('kp_t9', true);
SELECT kinde_claims_import('legacy');
SELECT pg_temp.check('kinde_claims_import');
-- Webhooks: a user's organizations list, and the user's deletion.
SELECT kinde_webhook_apply(jsonb_build_object('type', 'user.updated', 'event_id', 'event_t1',
    'timestamp', '2024-05-01T10:00:00Z', 'data', jsonb_build_object('user', jsonb_build_object(
        'id', 'kp_t2', 'organizations', jsonb_build_array(jsonb_build_object('code', 'org_t1'),
                                                          jsonb_build_object('code', 'org_t2')))))) ->> 'result';
SELECT pg_temp.check('user.updated with organizations');

-- An organization's writes, by every path, rewrite each member's token.
SELECT kinde_organization_upsert('org_t1', '{"plan": "enterprise", "region": "us", "n": 2.50}');
SELECT pg_temp.check('kinde_organization_upsert');
UPDATE kinde_claims.organizations SET claims = '{"region": "ap"}' WHERE org_code = 'org_t1';
SELECT pg_temp.check('direct UPDATE of organizations');
CREATE TABLE org_subscriptions (org_code text PRIMARY KEY, plan text, seats integer);
CREATE TRIGGER org_subscriptions_claims AFTER INSERT OR UPDATE OR DELETE ON org_subscriptions
    FOR EACH ROW EXECUTE FUNCTION kinde_organization_upsert_trigger('org_code', 'plan', 'seats');
INSERT INTO org_subscriptions VALUES ('org_t1', 'scale', 40), ('org_t2', 'starter', 3);
SELECT pg_temp.check('kinde_organization_upsert_trigger');
-- A direct DELETE of an organization leaves its memberships: their tokens lose its claims; a
-- direct INSERT brings them back.
DELETE FROM kinde_claims.organizations WHERE org_code = 'org_t2';
SELECT kinde_id, token FROM kinde_claims.memberships WHERE org_code = 'org_t2' ORDER BY 1;
SELECT pg_temp.check('direct DELETE of an organization');
INSERT INTO kinde_claims.organizations (org_code, claims) VALUES ('org_t2', '{"returned": true}');
SELECT pg_temp.check('direct INSERT of an organization');
SELECT kinde_webhook_apply(jsonb_build_object('type', 'organization.deleted', 'event_id', 'event_t2',
    'timestamp', '2024-05-01T10:01:00Z', 'data', jsonb_build_object('organization', jsonb_build_object('code', 'org_t2')))) ->> 'result';
SELECT pg_temp.check('organization.deleted');
SELECT kinde_organization_delete('org_t1');
SELECT pg_temp.check('kinde_organization_delete');

-- The owner's direct writes of memberships: a token written by hand is replaced.
SELECT kinde_organization_upsert('org_t3', '{"plan": "gold"}');
INSERT INTO kinde_claims.memberships (kinde_id, org_code, claims, token)
VALUES ('kp_t1', 'org_t3', '{"seat": "x"}', '{"forged": true}');
UPDATE kinde_claims.memberships SET token = '{"forged": true}' WHERE kinde_id = 'kp_t1';
UPDATE kinde_claims.memberships SET token = NULL WHERE kinde_id = 'kp_t1';
SELECT kinde_id, org_code, token FROM kinde_claims.memberships WHERE kinde_id = 'kp_t1' ORDER BY 2;
SELECT pg_temp.check('direct INSERT and UPDATE of memberships');
-- ... also after a token rewrite failed half-way (here the owner's own trigger on the table
-- fails it) and the transaction went on from a savepoint.
CREATE FUNCTION pg_temp.fail_when_asked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('regress.fail_rewrite', true) = 'on' THEN
        RAISE EXCEPTION 'rewrite failed';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER zz_fail BEFORE UPDATE ON kinde_claims.memberships FOR EACH ROW EXECUTE FUNCTION pg_temp.fail_when_asked();
BEGIN;
SAVEPOINT s;
SET LOCAL regress.fail_rewrite = on;
\set ON_ERROR_STOP 0
SELECT kinde_organization_upsert('org_t3', '{"plan": "platinum"}');
\set ON_ERROR_STOP 1
ROLLBACK TO SAVEPOINT s;
SET LOCAL regress.fail_rewrite = off;
UPDATE kinde_claims.memberships SET token = '{"forged": true}' WHERE kinde_id = 'kp_t1';
COMMIT;
DROP TRIGGER zz_fail ON kinde_claims.memberships;
SELECT token FROM kinde_claims.memberships WHERE kinde_id = 'kp_t1';
SELECT pg_temp.check('a forged token after a failed rewrite');
SELECT kinde_membership_delete('kp_t1', 'org_t3');
SELECT kinde_webhook_apply(jsonb_build_object('type', 'user.deleted', 'event_id', 'event_t3',
    'timestamp', '2024-05-01T10:02:00Z', 'data', jsonb_build_object('user', jsonb_build_object('id', 'kp_t2')))) ->> 'result';
SELECT pg_temp.check('deletes');

-- The token path reads the stored token: one probe. Shown by a row changed past the triggers
-- (session_replication_role); a NULL token (not stored) is merged from the three tables.
SELECT kinde_organization_upsert('org_t4', '{"plan": "silver"}');
SELECT kinde_membership_upsert('kp_t1', 'org_t4', '{"seat": "member"}');
SET session_replication_role = replica;
UPDATE kinde_claims.memberships SET token = '{"read": "from the row"}' WHERE (kinde_id, org_code) = ('kp_t1', 'org_t4');
SELECT kinde_claims_for('kp_t1', 'org_t4') AS stored_token_is_returned;
UPDATE kinde_claims.memberships SET token = NULL WHERE (kinde_id, org_code) = ('kp_t1', 'org_t4');
RESET session_replication_role;
SELECT kinde_claims_for('kp_t1', 'org_t4') AS merged_when_not_stored;
SELECT pg_temp.check('NULL token merged when read');

-- A COPY into memberships (what pg_restore runs) keeps the token it is given: the dump's rows
-- come before their parents, so none can be computed; a row with none is merged when read.
COPY kinde_claims.memberships (kinde_id, org_code, claims, token) FROM stdin;
kp_t7	org_t7	{"seat": "restored"}	{"seat": "restored", "plan": "restored-org", "lifetime_subscriber": false}
kp_t8	org_t7	{}	\N
\.
SELECT count(*) AS parents_made_by_copy FROM kinde_claims.profiles WHERE kinde_id IN ('kp_t7', 'kp_t8');
COPY kinde_claims.organizations (org_code, claims) FROM stdin;
org_t7	{"plan": "restored-org"}
\.
SELECT kinde_id, org_code, token FROM kinde_claims.memberships WHERE org_code = 'org_t7' ORDER BY 1;
SELECT * FROM pg_temp.stale();
SELECT pg_temp.check('after COPY');

DROP TABLE app_plans, app_notes, org_subscriptions;
DROP EXTENSION kinde_claims;
