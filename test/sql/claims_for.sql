-- kinde_claims_for: what a token carries for unknown, default, subscriber and custom-claims users.
CREATE EXTENSION kinde_claims;
\getenv abs_srcdir PG_ABS_SRCDIR
\set setting_sql :abs_srcdir '/lib/setting.sql'
\i :setting_sql

-- An unknown user gets the defaults, never NULL and never an error.
SELECT kinde_claims_for('kp_unknown');
SELECT kinde_claims_for('kp_unknown') IS NULL AS is_null;

-- A profile with the defaults carries the same object.
SELECT kinde_profile_upsert('kp_default');
SELECT kinde_claims_for('kp_default');

-- A lifetime subscriber.
SELECT kinde_profile_upsert('kp_65b28d71bba14fa380d56d2d8d3503da', true);
SELECT kinde_claims_for('kp_65b28d71bba14fa380d56d2d8d3503da');

-- Custom claims are merged with lifetime_subscriber, including nested and URI-named ones.
SELECT kinde_profile_upsert('kp_custom', false,
  '{"plan": "pro", "seats": 5, "https://example.com/roles": ["admin", "billing"], "org": {"id": 7}}');
SELECT kinde_claims_for('kp_custom');
SELECT jsonb_typeof(kinde_claims_for('kp_custom')) AS type,
       kinde_claims_for('kp_custom') -> 'lifetime_subscriber' AS flag,
       kinde_claims_for('kp_custom') ->> 'plan' AS plan;

-- Large claims values are stored out of line (TOAST) and still read back whole.
SELECT pg_temp.kc_set('kinde_claims.max_claims_bytes', '1048576');
SELECT kinde_profile_upsert('kp_toasted', true, jsonb_build_object('blob', repeat('x', 100000))) IS NOT NULL AS stored;
SELECT length(kinde_claims_for('kp_toasted') ->> 'blob') AS blob_length,
       kinde_claims_for('kp_toasted') -> 'lifetime_subscriber' AS flag;
SELECT pg_temp.kc_set('kinde_claims.max_claims_bytes', NULL);

-- Many ids in one statement, as a set-returning caller would.
SELECT id, kinde_claims_for(id)
FROM (VALUES ('kp_default'), ('kp_unknown'), ('kp_65b28d71bba14fa380d56d2d8d3503da')) v(id) ORDER BY id;

-- The token path is read-only: it works inside a READ ONLY transaction.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT kinde_claims_for('kp_custom') ->> 'plan' AS plan_in_read_only;
COMMIT;

-- It sees the transaction's own uncommitted writes, and a rollback takes them away.
BEGIN;
SELECT kinde_profile_upsert('kp_rolledback', true);
SELECT kinde_claims_for('kp_rolledback');
ROLLBACK;
SELECT kinde_claims_for('kp_rolledback');

-- It is an index probe: every call is one scan of the unique index, never a sequential scan.
SELECT pg_stat_force_next_flush();
SELECT seq_scan AS seq_before, idx_scan AS idx_before FROM pg_stat_user_tables WHERE relid = 'kinde_claims.profiles'::regclass \gset
SELECT count(kinde_claims_for('kp_' || g)) FROM generate_series(1, 1000) g;
SELECT pg_stat_force_next_flush();
SELECT seq_scan - :seq_before AS new_seq_scans, idx_scan - :idx_before AS new_index_scans
FROM pg_stat_user_tables WHERE relid = 'kinde_claims.profiles'::regclass;

-- It does not depend on the caller's search_path.
SET search_path = pg_temp;
SELECT public.kinde_claims_for('kp_65b28d71bba14fa380d56d2d8d3503da');
RESET search_path;

DROP EXTENSION kinde_claims;
