-- The pooler case, per edition (test/expected/edition_pooler.out is the C++ edition's,
-- test/expected/hosted/edition_pooler.out the SQL edition's; docs/hosted.md#differences-between-the-editions):
-- the C++ edition records only what the writing transaction set itself; the SQL edition, which
-- cannot tell a session's leftover from its own transaction's setting, records what it reads.
CREATE EXTENSION kinde_claims;
CREATE ROLE regress_kc_hist_writer NOLOGIN NOINHERIT;
GRANT EXECUTE ON FUNCTION kinde_profile_upsert(text, boolean, jsonb) TO regress_kc_hist_writer;

-- Behind a transaction pooler (PgBouncer, Supavisor) one server session runs the transactions of
-- many clients, and a plain SET (set_config(..., false)) that one client ran in a transaction of
-- its own stays for whichever client's transaction comes next. So the actor and the JWT's role
-- are only what the writing transaction set itself (SET LOCAL, set_config(..., true), or a SET
-- in the same transaction); a role left by an earlier transaction gives way to the login role,
-- and claims left by one are not read (docs/scaling-out.md; test/suites/52-pooler through a real
-- PgBouncer).
CREATE FUNCTION pg_temp.history12b() RETURNS TABLE (actor text, jwt_role text, new_claims jsonb)
LANGUAGE sql AS $$
    SELECT CASE WHEN h.actor = session_user THEN '(the login role)' ELSE h.actor END, h.jwt_role, h.new_claims
    FROM kinde_claims_history('kp_h12b') h ORDER BY h.changed_at
$$;
SELECT set_config('request.jwt.claims', '{"role": "another_client"}', false) IS NOT NULL AS left_behind;
SET ROLE regress_kc_hist_writer;
SELECT kinde_profile_upsert('kp_h12b', NULL, '{"n": 1}');  -- neither is this transaction's
-- Set in the writing transaction, LOCAL or not: taken, whatever was left behind.
BEGIN;
SET LOCAL ROLE regress_kc_hist_writer;
SET LOCAL request.jwt.claims = '{"role": "set_local"}';
SELECT kinde_profile_upsert('kp_h12b', NULL, '{"n": 2}');
COMMIT;
BEGIN;
SELECT set_config('request.jwt.claims', '{"role": "set_in_this_transaction"}', false) IS NOT NULL AS set;
SELECT kinde_profile_upsert('kp_h12b', NULL, '{"n": 3}');
COMMIT;
-- ... and once that transaction has ended, what it left is a leftover like any other.
SELECT current_setting('request.jwt.claims') AS still_set, current_user AS acting_as;
SELECT kinde_profile_upsert('kp_h12b', NULL, '{"n": 4}');
-- A setting undone by ROLLBACK TO SAVEPOINT leaves the leftover, again not read.
BEGIN;
SAVEPOINT s;
SET LOCAL request.jwt.claims = '{"role": "rolled_back"}';
ROLLBACK TO SAVEPOINT s;
SELECT kinde_profile_upsert('kp_h12b', NULL, '{"n": 5}');
COMMIT;
-- A function's SET clause is the calling transaction's own.
RESET ROLE;
CREATE FUNCTION pg_temp.upsert_as_set(n int) RETURNS jsonb LANGUAGE sql
SET request.jwt.claims = '{"role": "function_set_clause"}'
AS $$ SELECT kinde_profile_upsert('kp_h12b', NULL, jsonb_build_object('n', n)) $$;
SELECT pg_temp.upsert_as_set(6);
RESET request.jwt.claims;
SELECT * FROM pg_temp.history12b();
RESET ROLE;
-- Claims left behind that are not JSON at all: the C++ edition does not read them, and the write
-- goes through with no JWT role; the SQL edition reads them, and the write fails (22P02) until
-- they are RESET. (Set in the writing transaction, both editions refuse the write alike:
-- claims_history.)
\getenv abs_srcdir PG_ABS_SRCDIR
\set try_sql :abs_srcdir '/lib/try.sql'
\i :try_sql
SELECT set_config('request.jwt.claims', '{"role":', false) IS NOT NULL AS left_behind;
SELECT pg_temp.try($$SELECT kinde_profile_upsert('kp_h12c', NULL, '{"n": 1}')$$) AS not_json_left_behind;
RESET request.jwt.claims;
SELECT pg_temp.try($$SELECT kinde_profile_upsert('kp_h12c', NULL, '{"n": 2}')$$) AS after_reset;
SELECT h.jwt_role, h.new_claims FROM kinde_claims_history('kp_h12c') h ORDER BY h.changed_at;
DROP EXTENSION kinde_claims;
DROP ROLE regress_kc_hist_writer;
