-- kinde_profile_upsert_trigger(): claims that follow the app's own tables.
CREATE EXTENSION kinde_claims;
\getenv abs_srcdir PG_ABS_SRCDIR
\set setting_sql :abs_srcdir '/lib/setting.sql'
\i :setting_sql
\set SHOW_CONTEXT never
CREATE SCHEMA app;
-- What every profile's token carries, in a stable order.
CREATE VIEW app.tokens AS
    SELECT kinde_id, kinde_claims_for(kinde_id) AS token FROM kinde_claims.profiles ORDER BY kinde_id;

-- One purchases row per customer drives lifetime_subscriber and the "plan" claim.
CREATE TABLE app.purchases (
    kinde_user_id text PRIMARY KEY,
    lifetime boolean,
    plan_code text
);
CREATE TRIGGER purchases_claims AFTER INSERT OR UPDATE OR DELETE ON app.purchases
    FOR EACH ROW EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id', 'lifetime_subscriber=lifetime', 'plan=plan_code');

-- INSERT creates the profile with the mapped claims.
INSERT INTO app.purchases VALUES ('kp_alice', true, 'pro');
SELECT * FROM app.tokens;

-- Claims set by others are left alone: only this trigger's keys are replaced.
UPDATE kinde_claims.profiles SET claims = claims || '{"beta": true}' WHERE kinde_id = 'kp_alice';
UPDATE app.purchases SET plan_code = 'team' WHERE kinde_user_id = 'kp_alice';
SELECT * FROM app.tokens;

-- A NULL column removes its claim; a NULL lifetime_subscriber column resets it to false.
UPDATE app.purchases SET plan_code = NULL, lifetime = NULL WHERE kinde_user_id = 'kp_alice';
SELECT * FROM app.tokens;
UPDATE app.purchases SET plan_code = 'pro', lifetime = true WHERE kinde_user_id = 'kp_alice';

-- A second table maps a different claim for the same user; both triggers' claims coexist.
CREATE TABLE app.teams (owner_id text PRIMARY KEY, seats integer);
CREATE TRIGGER teams_claims AFTER INSERT OR UPDATE OR DELETE ON app.teams
    FOR EACH ROW EXECUTE FUNCTION kinde_profile_upsert_trigger('owner_id', 'seats');
INSERT INTO app.teams VALUES ('kp_alice', 5);
SELECT * FROM app.tokens;
UPDATE app.purchases SET plan_code = 'enterprise' WHERE kinde_user_id = 'kp_alice';
SELECT * FROM app.tokens;
-- Deleting the team row removes only "seats"; lifetime_subscriber is not its to reset.
DELETE FROM app.teams WHERE owner_id = 'kp_alice';
SELECT * FROM app.tokens;
INSERT INTO app.teams VALUES ('kp_alice', 7);

-- A rolled-back transaction leaves the claims as they were.
BEGIN;
UPDATE app.purchases SET plan_code = 'free', lifetime = false WHERE kinde_user_id = 'kp_alice';
UPDATE app.teams SET seats = 1 WHERE owner_id = 'kp_alice';
SELECT * FROM app.tokens;
ROLLBACK;
SELECT * FROM app.tokens;

-- An UPDATE that moves the row to another user moves its claims; other claims stay behind.
INSERT INTO app.purchases VALUES ('kp_bob', false, 'free');
UPDATE app.purchases SET kinde_user_id = 'kp_carol' WHERE kinde_user_id = 'kp_alice';
SELECT * FROM app.tokens;
UPDATE app.purchases SET kinde_user_id = 'kp_alice' WHERE kinde_user_id = 'kp_carol';

-- DELETE removes this trigger's claims and resets lifetime_subscriber; the profile stays.
DELETE FROM app.purchases WHERE kinde_user_id = 'kp_alice';
SELECT * FROM app.tokens;

-- A row whose user-id column is NULL belongs to no user: nothing is written for it, and
-- setting or clearing its user id later adds or removes the claims.
CREATE TABLE app.orders (order_id integer PRIMARY KEY, customer text, plan_code text);
CREATE TRIGGER orders_claims AFTER INSERT OR UPDATE OR DELETE ON app.orders
    FOR EACH ROW EXECUTE FUNCTION kinde_profile_upsert_trigger('customer', 'order_plan=plan_code');
INSERT INTO app.orders VALUES (1, NULL, 'guest');
SELECT count(*) AS profiles FROM kinde_claims.profiles;
UPDATE app.orders SET customer = 'kp_dave' WHERE order_id = 1;
SELECT * FROM app.tokens WHERE kinde_id = 'kp_dave';
UPDATE app.orders SET customer = NULL WHERE order_id = 1;
SELECT * FROM app.tokens WHERE kinde_id = 'kp_dave';
DROP TABLE app.orders;

-- Rows that existed before the trigger: a no-op UPDATE projects them (the README's backfill).
CREATE TABLE app.legacy (kinde_user_id text, tier text);
INSERT INTO app.legacy VALUES ('kp_erin', 'gold'), ('kp_frank', 'silver'), ('not-an-id', 'bronze');
CREATE TRIGGER legacy_claims AFTER INSERT OR UPDATE OR DELETE ON app.legacy
    FOR EACH ROW EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id', 'tier');
UPDATE app.legacy SET tier = tier WHERE kinde_user_id LIKE 'kp\_%';
SELECT * FROM app.tokens WHERE kinde_id IN ('kp_erin', 'kp_frank');
-- Rows already in step are not rewritten: the profile keeps its row version.
SELECT xmin AS erin_xmin FROM kinde_claims.profiles WHERE kinde_id = 'kp_erin' \gset
UPDATE app.legacy SET tier = tier WHERE kinde_user_id = 'kp_erin';
SELECT xmin::text = :'erin_xmin' AS erin_profile_untouched FROM kinde_claims.profiles WHERE kinde_id = 'kp_erin';
-- A row with an id no profile can have is deleted without complaint.
DELETE FROM app.legacy WHERE kinde_user_id = 'not-an-id';
SELECT count(*) AS legacy_rows FROM app.legacy;
DROP TABLE app.legacy;

-- Every supported column type, and what JSON it becomes. Times are ISO 8601 in UTC whatever
-- the session's TimeZone and DateStyle.
CREATE DOMAIN app.plan_name AS text CHECK (VALUE <> '');
CREATE TABLE app.typed (
    kinde_user_id varchar(80),
    flag boolean, label text, code varchar(10), domained app.plan_name,
    small smallint, medium integer, big bigint, price numeric,
    doc jsonb, paid_at timestamptz
);
CREATE TRIGGER typed_claims AFTER INSERT OR UPDATE OR DELETE ON app.typed
    FOR EACH ROW EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id',
        'flag', 'label', 'code', 'domained', 'small', 'medium', 'big', 'price', 'doc', 'paid_at');
SET TimeZone = 'America/New_York';
SET DateStyle = 'SQL, DMY';
INSERT INTO app.typed VALUES ('kp_typed', false, 'Ünïcode "quoted"', 'abc', 'gold',
    -32768, 2147483647, 9007199254740992, 12345678901.0100,
    '{"nested": [1, "two", null]}', '2024-05-01 08:34:56.250 -04');
SELECT jsonb_pretty(claims) FROM kinde_claims.profiles WHERE kinde_id = 'kp_typed';
-- jsonb of any shape is carried as is; JSON null is a value, SQL NULL removes the claim.
UPDATE app.typed SET doc = '[1, 2]', paid_at = '2024-05-01 12:00:00+00';
SELECT claims -> 'doc' AS doc, claims -> 'paid_at' AS paid_at FROM kinde_claims.profiles WHERE kinde_id = 'kp_typed';
UPDATE app.typed SET doc = '"text"', paid_at = '1999-12-31 23:59:59.000001+00';
SELECT claims -> 'doc' AS doc, claims -> 'paid_at' AS paid_at FROM kinde_claims.profiles WHERE kinde_id = 'kp_typed';
UPDATE app.typed SET doc = 'null', paid_at = '0001-01-01 00:00:00+00';
SELECT claims -> 'doc' AS doc, claims -> 'paid_at' AS paid_at FROM kinde_claims.profiles WHERE kinde_id = 'kp_typed';
UPDATE app.typed SET doc = NULL, paid_at = NULL, label = NULL;
SELECT claims ? 'doc' AS has_doc, claims ? 'paid_at' AS has_paid_at, claims ? 'label' AS has_label
FROM kinde_claims.profiles WHERE kinde_id = 'kp_typed';
RESET TimeZone;
RESET DateStyle;
-- Values JSON or ISO 8601 cannot carry are refused, and nothing is written: numbers a token
-- would change on the way (FACTS.md §7, see test/sql/claim_numbers.sql), NaN, infinities, times
-- outside 0001 to 9999.
UPDATE app.typed SET big = 9223372036854775807;
\echo SQLSTATE :SQLSTATE
UPDATE app.typed SET price = 12345678901234567890.0100;
\echo SQLSTATE :SQLSTATE
UPDATE app.typed SET price = 'NaN';
\echo SQLSTATE :SQLSTATE
UPDATE app.typed SET price = 'Infinity';
\echo SQLSTATE :SQLSTATE
UPDATE app.typed SET paid_at = 'infinity';
\echo SQLSTATE :SQLSTATE
UPDATE app.typed SET paid_at = '10000-01-01 00:00:00+00';
\echo SQLSTATE :SQLSTATE
UPDATE app.typed SET paid_at = '0001-12-31 23:00:00+00 BC';
\echo SQLSTATE :SQLSTATE
SELECT claims ->> 'price' AS price FROM kinde_claims.profiles WHERE kinde_id = 'kp_typed';
DROP TABLE app.typed;

-- The same rules as every other write: an invalid user id in the app's row is refused and the
-- app's write fails with it.
INSERT INTO app.purchases VALUES ('kp_not valid', true, 'pro');
\echo SQLSTATE :SQLSTATE
UPDATE app.purchases SET kinde_user_id = 'alice@example.com' WHERE kinde_user_id = 'kp_bob';
\echo SQLSTATE :SQLSTATE
SELECT kinde_user_id FROM app.purchases ORDER BY 1;
-- Claims that would not fit in a token are refused by the profiles table's own check.
SELECT pg_temp.kc_set('kinde_claims.max_claims_bytes', '1024');
INSERT INTO app.purchases VALUES ('kp_grace', true, repeat('x', 2000));
\echo SQLSTATE :SQLSTATE
SELECT pg_temp.kc_set('kinde_claims.max_claims_bytes', NULL);
SELECT count(*) AS grace_profiles FROM kinde_claims.profiles WHERE kinde_id = 'kp_grace';

-- Bad arguments are reported at the first row, with the trigger and table named.
CREATE TABLE app.bad (kinde_user_id text, user_number integer, plan_code text, seats integer,
                      lifetime boolean, location point, "Mixed" text);
INSERT INTO app.bad VALUES ('kp_bad', 1, 'pro', 3, true, '(1,2)', 'm');
CREATE FUNCTION pg_temp.try_trigger(VARIADIC args text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DROP TRIGGER IF EXISTS bad_claims ON app.bad;
    EXECUTE format('CREATE TRIGGER bad_claims AFTER INSERT OR UPDATE OR DELETE ON app.bad '
                   'FOR EACH ROW EXECUTE FUNCTION kinde_profile_upsert_trigger(%s)',
                   (SELECT string_agg(quote_literal(a), ', ') FROM unnest(args) a));
END $$;
CREATE TRIGGER bad_claims AFTER INSERT OR UPDATE OR DELETE ON app.bad
    FOR EACH ROW EXECUTE FUNCTION kinde_profile_upsert_trigger();
UPDATE app.bad SET seats = seats;
\echo SQLSTATE :SQLSTATE
SELECT pg_temp.try_trigger('kinde_user_id');
UPDATE app.bad SET seats = seats;
\echo SQLSTATE :SQLSTATE
SELECT pg_temp.try_trigger('kinde_id', 'seats');
UPDATE app.bad SET seats = seats;
\echo SQLSTATE :SQLSTATE
SELECT pg_temp.try_trigger('user_number', 'seats');
UPDATE app.bad SET seats = seats;
\echo SQLSTATE :SQLSTATE
SELECT pg_temp.try_trigger('kinde_user_id', 'plan=plan_cod');
UPDATE app.bad SET seats = seats;
\echo SQLSTATE :SQLSTATE
-- Column names are matched exactly, as stored.
SELECT pg_temp.try_trigger('kinde_user_id', 'mixed');
UPDATE app.bad SET seats = seats;
\echo SQLSTATE :SQLSTATE
SELECT pg_temp.try_trigger('kinde_user_id', 'location');
UPDATE app.bad SET seats = seats;
\echo SQLSTATE :SQLSTATE
SELECT pg_temp.try_trigger('kinde_user_id', 'lifetime_subscriber=seats');
UPDATE app.bad SET seats = seats;
\echo SQLSTATE :SQLSTATE
SELECT pg_temp.try_trigger('kinde_user_id', '=plan_code');
UPDATE app.bad SET seats = seats;
\echo SQLSTATE :SQLSTATE
SELECT pg_temp.try_trigger('kinde_user_id', 'plan=');
UPDATE app.bad SET seats = seats;
\echo SQLSTATE :SQLSTATE
SELECT pg_temp.try_trigger('kinde_user_id', 'plan=plan_code=seats');
UPDATE app.bad SET seats = seats;
\echo SQLSTATE :SQLSTATE
SELECT pg_temp.try_trigger('kinde_user_id', '');
UPDATE app.bad SET seats = seats;
\echo SQLSTATE :SQLSTATE
SELECT pg_temp.try_trigger('kinde_user_id', 'plan=plan_code', 'plan=seats');
UPDATE app.bad SET seats = seats;
\echo SQLSTATE :SQLSTATE
SELECT pg_temp.try_trigger('kinde_user_id', 'lifetime_subscriber=lifetime', 'lifetime_subscriber=lifetime');
UPDATE app.bad SET seats = seats;
\echo SQLSTATE :SQLSTATE
-- Claim names obey the same rules as claims written any other way.
SELECT pg_temp.try_trigger('kinde_user_id', 'sub=plan_code');
UPDATE app.bad SET seats = seats;
\echo SQLSTATE :SQLSTATE
SELECT pg_temp.try_trigger('kinde_user_id', 'my plan=plan_code');
UPDATE app.bad SET seats = seats;
\echo SQLSTATE :SQLSTATE
-- It must be an AFTER ROW trigger.
DROP TRIGGER bad_claims ON app.bad;
CREATE TRIGGER bad_claims BEFORE UPDATE ON app.bad
    FOR EACH ROW EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id', 'seats');
UPDATE app.bad SET seats = seats;
\echo SQLSTATE :SQLSTATE
DROP TRIGGER bad_claims ON app.bad;
CREATE TRIGGER bad_claims AFTER UPDATE ON app.bad
    FOR EACH STATEMENT EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id', 'seats');
UPDATE app.bad SET seats = seats;
\echo SQLSTATE :SQLSTATE
SELECT count(*) AS bad_profiles FROM kinde_claims.profiles WHERE kinde_id = 'kp_bad';

-- The parsed arguments follow the table: a column added later is found at the next row,
-- and a renamed or retyped column is reported at the next row.
SELECT pg_temp.try_trigger('kinde_user_id', 'tier');
UPDATE app.bad SET seats = seats;
\echo SQLSTATE :SQLSTATE
ALTER TABLE app.bad ADD COLUMN tier text DEFAULT 'gold';
UPDATE app.bad SET seats = seats;
SELECT * FROM app.tokens WHERE kinde_id = 'kp_bad';
ALTER TABLE app.bad RENAME COLUMN tier TO level;
UPDATE app.bad SET seats = seats;
\echo SQLSTATE :SQLSTATE
ALTER TABLE app.bad RENAME COLUMN level TO tier;
ALTER TABLE app.bad ALTER COLUMN tier DROP DEFAULT, ALTER COLUMN tier TYPE point USING '(0,0)';
UPDATE app.bad SET seats = seats;
\echo SQLSTATE :SQLSTATE
DROP TABLE app.bad;

-- A partitioned table: the trigger is cloned onto every partition.
CREATE TABLE app.events (kinde_user_id text, kind text) PARTITION BY LIST (kind);
CREATE TABLE app.events_signup PARTITION OF app.events FOR VALUES IN ('signup');
CREATE TABLE app.events_other PARTITION OF app.events DEFAULT;
CREATE TRIGGER events_claims AFTER INSERT OR UPDATE OR DELETE ON app.events
    FOR EACH ROW EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id', 'last_event=kind');
INSERT INTO app.events VALUES ('kp_heidi', 'signup');
UPDATE app.events SET kind = 'upgrade';
SELECT * FROM app.tokens WHERE kinde_id = 'kp_heidi';
DROP TABLE app.events;

-- Privileges. Creating the trigger needs EXECUTE on the function; nothing else. The trigger
-- then writes kinde_claims.profiles with the extension owner's rights, for whoever writes the
-- app's table, while neither role can touch kinde_claims.profiles itself.
CREATE ROLE regress_kc_upsert_trigger_owner;
CREATE ROLE regress_kc_upsert_trigger_writer;
GRANT USAGE, CREATE ON SCHEMA app TO regress_kc_upsert_trigger_owner;
GRANT USAGE ON SCHEMA app TO regress_kc_upsert_trigger_writer;
SET ROLE regress_kc_upsert_trigger_owner;
CREATE TABLE app.subscriptions (kinde_user_id text, active boolean);
CREATE TRIGGER subscriptions_claims AFTER INSERT OR UPDATE OR DELETE ON app.subscriptions
    FOR EACH ROW EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id', 'lifetime_subscriber=active');
\echo SQLSTATE :SQLSTATE
RESET ROLE;
GRANT EXECUTE ON FUNCTION kinde_profile_upsert_trigger() TO regress_kc_upsert_trigger_owner;
SET ROLE regress_kc_upsert_trigger_owner;
CREATE TRIGGER subscriptions_claims AFTER INSERT OR UPDATE OR DELETE ON app.subscriptions
    FOR EACH ROW EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id', 'lifetime_subscriber=active');
INSERT INTO app.subscriptions VALUES ('kp_ivan', true);
GRANT SELECT, INSERT, UPDATE ON app.subscriptions TO regress_kc_upsert_trigger_writer;
SELECT kinde_id FROM kinde_claims.profiles;
\echo SQLSTATE :SQLSTATE
SET ROLE regress_kc_upsert_trigger_writer;
INSERT INTO app.subscriptions VALUES ('kp_judy', true);
UPDATE kinde_claims.profiles SET lifetime_subscriber = true WHERE kinde_id = 'kp_mallory';
\echo SQLSTATE :SQLSTATE
RESET ROLE;
SELECT * FROM app.tokens WHERE kinde_id IN ('kp_ivan', 'kp_judy');
SELECT has_function_privilege('regress_kc_upsert_trigger_writer', 'kinde_profile_upsert_trigger()', 'EXECUTE') AS writer_can_execute;
-- EXECUTE is checked only by CREATE TRIGGER: revoking it does not disarm an existing trigger.
REVOKE EXECUTE ON FUNCTION kinde_profile_upsert_trigger() FROM regress_kc_upsert_trigger_owner;
SET ROLE regress_kc_upsert_trigger_writer;
UPDATE app.subscriptions SET active = false WHERE kinde_user_id = 'kp_judy';
RESET ROLE;
SELECT * FROM app.tokens WHERE kinde_id = 'kp_judy';
DROP TABLE app.subscriptions;
REVOKE ALL ON SCHEMA app FROM regress_kc_upsert_trigger_owner, regress_kc_upsert_trigger_writer;
REVOKE ALL ON FUNCTION kinde_profile_upsert_trigger() FROM regress_kc_upsert_trigger_owner;
DROP ROLE regress_kc_upsert_trigger_owner;
DROP ROLE regress_kc_upsert_trigger_writer;

-- DROP EXTENSION needs CASCADE while app tables still use the trigger, and takes the triggers with it.
\set VERBOSITY terse
DROP EXTENSION kinde_claims;
\echo SQLSTATE :SQLSTATE
SET client_min_messages = warning;
DROP EXTENSION kinde_claims CASCADE;
SELECT count(*) AS leftover_triggers FROM pg_trigger WHERE tgrelid = 'app.purchases'::regclass AND NOT tgisinternal;
DROP SCHEMA app CASCADE;
RESET client_min_messages;
