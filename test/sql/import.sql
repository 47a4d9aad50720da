-- kinde_claims_import(source): moving the tutorial's profiles table into kinde_claims.profiles.
CREATE EXTENSION kinde_claims;
\set SHOW_CONTEXT never
\getenv abs_srcdir PG_ABS_SRCDIR
\set grant_sql :abs_srcdir '/lib/grant.sql'
\i :grant_sql

-- The tutorial's table: no unique index on kinde_id, so it holds duplicates and bad ids.
CREATE TABLE public.profiles (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kinde_id text,
    lifetime_subscriber boolean DEFAULT false
);
INSERT INTO public.profiles (kinde_id, lifetime_subscriber) VALUES
    ('kp_65b28d71bba14fa380d56d2d8d3503da', true),
    ('kp_dup', false), ('kp_dup', true), ('kp_dup', false),   -- a subscriber if any row says so
    ('kp_twice', false), ('kp_twice', false),
    ('kp_unknown', NULL),                                     -- NULL reads as false
    ('kp_existing', false),                                   -- never takes lifetime_subscriber away
    ('kp_upgrade', true),
    (NULL, true), ('', false), ('bad', true), ('bad', false),  -- invalid ids are skipped
    (' kp_space', true), ('kp_x-y', true), ('KP_upper', false), ('kp_', true);

-- Profiles that already exist: the import merges into them and never touches their claims.
SELECT kinde_profile_upsert('kp_existing', true, '{"plan": "pro"}');
SELECT kinde_profile_upsert('kp_upgrade', false, '{"seats": 3}');

-- Returns how many profiles it created or made subscribers; a NOTICE reports what it skipped.
SELECT kinde_claims_import('public.profiles');
SELECT kinde_id, lifetime_subscriber, claims FROM kinde_claims.profiles ORDER BY kinde_id;

-- Idempotent: a second run changes nothing, rewrites no row and returns 0.
CREATE TEMP TABLE before_rerun AS SELECT kinde_id, xmin::text AS version FROM kinde_claims.profiles;
SELECT kinde_claims_import('public.profiles');
SELECT count(*) AS changed_rows FROM (
    SELECT kinde_id, xmin::text FROM kinde_claims.profiles
    EXCEPT SELECT kinde_id, version FROM before_rerun) changed;

-- Rows added to the tutorial's table later are picked up by another run.
INSERT INTO public.profiles (kinde_id, lifetime_subscriber) VALUES ('kp_late', true), ('kp_twice', true);
SELECT kinde_claims_import('public.profiles');
SELECT kinde_id, lifetime_subscriber FROM kinde_claims.profiles WHERE kinde_id IN ('kp_late', 'kp_twice') ORDER BY 1;

-- A few examples at most, in sort order, and the singular when there is one.
CREATE TABLE one_bad (kinde_id varchar(100), lifetime_subscriber boolean);
INSERT INTO one_bad VALUES ('kp_ok1', false), (E'evil\nline', true);
SELECT kinde_claims_import('one_bad');

-- Any relation with the two columns works: varchar ids, domains, views.
CREATE DOMAIN flag AS boolean;
CREATE TABLE shaped (kinde_id varchar(80), lifetime_subscriber flag, extra integer);
INSERT INTO shaped VALUES ('kp_shaped', true, 1);
CREATE VIEW shaped_view AS SELECT kinde_id, lifetime_subscriber FROM shaped;
SELECT kinde_claims_import('shaped_view');
SELECT kinde_claims_for('kp_shaped');

-- A source that is not shaped like the tutorial's table is refused before anything is read.
CREATE TABLE no_flag (kinde_id text);
SELECT kinde_claims_import('no_flag');
\echo SQLSTATE :SQLSTATE
CREATE TABLE number_ids (kinde_id integer, lifetime_subscriber boolean);
SELECT kinde_claims_import('number_ids');
\echo SQLSTATE :SQLSTATE
CREATE TABLE text_flag (kinde_id text, lifetime_subscriber text);
SELECT kinde_claims_import('text_flag');
\echo SQLSTATE :SQLSTATE
SELECT kinde_claims_import('public.profiles_pkey');
\echo SQLSTATE :SQLSTATE
SELECT kinde_claims_import(NULL);
\echo SQLSTATE :SQLSTATE

-- Privileges: EXECUTE is granted to nobody by default. The source is read with the caller's own
-- rights (SECURITY INVOKER), so a caller cannot import a table it may not read; when row-level
-- security on the source applies to the caller the import is refused (42501) rather than import
-- the subset it sees. The write into kinde_claims.profiles needs no grant of the table (the SQL
-- edition's owner-side writer is granted with the function: test/lib/grant.sql).
CREATE ROLE regress_kc_import_migrator;
CREATE TABLE secret (kinde_id text, lifetime_subscriber boolean, tenant text);
INSERT INTO secret VALUES ('kp_tenant1', true, 'regress_kc_import_migrator'), ('kp_tenant2', true, 'someone_else');
SET ROLE regress_kc_import_migrator;
SELECT kinde_claims_import('secret');
\echo SQLSTATE :SQLSTATE
RESET ROLE;
SELECT pg_temp.kc_grant_import('regress_kc_import_migrator');
SET ROLE regress_kc_import_migrator;
SELECT kinde_claims_import('secret');
\echo SQLSTATE :SQLSTATE
RESET ROLE;
GRANT SELECT ON secret TO regress_kc_import_migrator;
ALTER TABLE secret ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON secret FOR SELECT USING (tenant = current_user);
SET ROLE regress_kc_import_migrator;
SELECT kinde_claims_import('secret');
\echo SQLSTATE :SQLSTATE
SELECT has_table_privilege(c.oid, 'SELECT') AS reads_profiles FROM pg_class c
WHERE c.relname = 'profiles' AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = 'kinde_claims');
-- Through a view that reads as its invoker, too; and a policy that hides every row.
RESET ROLE;
CREATE VIEW secret_view WITH (security_invoker = true) AS SELECT kinde_id, lifetime_subscriber FROM secret;
GRANT SELECT ON secret_view TO regress_kc_import_migrator;
SET ROLE regress_kc_import_migrator;
SELECT kinde_claims_import('secret_view');
\echo SQLSTATE :SQLSTATE
RESET ROLE;
DROP POLICY own_rows ON secret;
SET ROLE regress_kc_import_migrator;
SELECT kinde_claims_import('secret');
\echo SQLSTATE :SQLSTATE
RESET ROLE;
SELECT kinde_id, lifetime_subscriber FROM kinde_claims.profiles WHERE kinde_id LIKE 'kp_tenant%' ORDER BY 1;
-- A role row-level security does not apply to imports every row: BYPASSRLS, or the owner.
ALTER ROLE regress_kc_import_migrator BYPASSRLS;
SET ROLE regress_kc_import_migrator;
SELECT kinde_claims_import('secret_view');
RESET ROLE;
ALTER ROLE regress_kc_import_migrator NOBYPASSRLS;
ALTER TABLE secret OWNER TO regress_kc_import_migrator;
UPDATE secret SET kinde_id = kinde_id || 'b';
SET ROLE regress_kc_import_migrator;
SELECT kinde_claims_import('secret');
-- Unless the owner forced row-level security on itself.
ALTER TABLE secret FORCE ROW LEVEL SECURITY;
SELECT kinde_claims_import('secret');
\echo SQLSTATE :SQLSTATE
RESET ROLE;
SELECT kinde_id, lifetime_subscriber FROM kinde_claims.profiles WHERE kinde_id LIKE 'kp_tenant%' ORDER BY 1;
DROP VIEW secret_view;
-- A view of the caller's own is read with the caller's rights, its functions too: one that reads
-- a table the caller may not read is refused (42501), not read with the owner's rights.
CREATE TABLE hidden (kinde_id text, lifetime_subscriber boolean);
INSERT INTO hidden VALUES ('kp_hidden', true);
SET ROLE regress_kc_import_migrator;
CREATE FUNCTION pg_temp.hidden_id() RETURNS text LANGUAGE sql STABLE AS 'SELECT min(kinde_id) FROM public.hidden';
CREATE TEMP VIEW peek AS SELECT pg_temp.hidden_id() AS kinde_id, true AS lifetime_subscriber;
SELECT kinde_claims_import('peek');
\echo SQLSTATE :SQLSTATE
CREATE TEMP VIEW peek_direct AS SELECT kinde_id, lifetime_subscriber FROM public.hidden;
SELECT kinde_claims_import('peek_direct');
\echo SQLSTATE :SQLSTATE
DROP VIEW peek, peek_direct;
DROP FUNCTION pg_temp.hidden_id();
RESET ROLE;
SELECT count(*) AS hidden_imported FROM kinde_claims.profiles WHERE kinde_id = 'kp_hidden';
DROP TABLE hidden;

-- One transaction: rolled back, the import leaves nothing behind.
INSERT INTO public.profiles (kinde_id, lifetime_subscriber) VALUES ('kp_rolledback', true);
BEGIN;
SELECT kinde_claims_import('public.profiles');
ROLLBACK;
SELECT count(*) AS rolled_back_profiles FROM kinde_claims.profiles WHERE kinde_id = 'kp_rolledback';

DROP TABLE secret;
SELECT pg_temp.kc_revoke_import('regress_kc_import_migrator');
DROP ROLE regress_kc_import_migrator;
DROP VIEW shaped_view;
DROP TABLE public.profiles, one_bad, shaped, no_flag, number_ids, text_flag;
DROP DOMAIN flag;
DROP EXTENSION kinde_claims;
