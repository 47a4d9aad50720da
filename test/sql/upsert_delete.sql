-- kinde_profile_upsert and kinde_profile_delete: insert, partial update, claims replace,
-- idempotence, delete, and the row they leave.
CREATE EXTENSION kinde_claims;

-- Insert with defaults, then each field on its own.
SELECT kinde_profile_upsert('kp_alice');
SELECT kinde_id, lifetime_subscriber, claims FROM kinde_claims.profiles ORDER BY id;
SELECT kinde_profile_upsert('kp_alice', lifetime_subscriber => true);
SELECT kinde_profile_upsert('kp_alice', claims => '{"plan": "pro"}');
-- NULL leaves a field as it is.
SELECT kinde_profile_upsert('kp_alice', NULL, NULL);
SELECT kinde_profile_upsert('kp_alice', lifetime_subscriber => NULL, claims => '{"plan": "team", "seats": 3}');
-- claims replaces the whole custom-claims object; it does not merge.
SELECT kinde_profile_upsert('kp_alice', claims => '{"seats": 4}');
SELECT kinde_profile_upsert('kp_alice', false, '{}');
SELECT kinde_id, lifetime_subscriber, claims FROM kinde_claims.profiles ORDER BY id;

-- A new row with both fields given.
SELECT kinde_profile_upsert('kp_bob', true, '{"plan": "lifetime"}');
-- The upsert returns exactly what kinde_claims_for returns afterwards.
SELECT kinde_profile_upsert('kp_carol', true, '{"a": 1}') AS carol_upserted \gset
SELECT :'carol_upserted'::jsonb = kinde_claims_for('kp_carol') AS same_object;

-- Idempotence: the same upsert twice leaves one row and the same updated_at.
SELECT updated_at AS bob_updated FROM kinde_claims.profiles WHERE kinde_id = 'kp_bob' \gset
SELECT kinde_profile_upsert('kp_bob', true, '{"plan": "lifetime"}');
SELECT count(*) AS bob_rows, bool_and(updated_at = :'bob_updated') AS updated_at_kept
FROM kinde_claims.profiles WHERE kinde_id = 'kp_bob';

-- A real change moves updated_at (to the transaction's start) and keeps created_at.
BEGIN;
SELECT created_at AS bob_created FROM kinde_claims.profiles WHERE kinde_id = 'kp_bob' \gset
SELECT kinde_profile_upsert('kp_bob', false);
SELECT updated_at = now() AS updated_now, created_at = :'bob_created' AS created_kept
FROM kinde_claims.profiles WHERE kinde_id = 'kp_bob';
COMMIT;

-- Ids are case-sensitive and exact.
SELECT kinde_profile_upsert('kp_BOB');
SELECT kinde_id FROM kinde_claims.profiles WHERE lower(kinde_id) = 'kp_bob' ORDER BY kinde_id;

-- Delete: true when a row was removed, false when none was; the user is then unknown.
SELECT kinde_profile_delete('kp_bob');
SELECT kinde_profile_delete('kp_bob');
SELECT kinde_profile_delete('kp_neverexisted');
SELECT kinde_claims_for('kp_bob');
SELECT kinde_id FROM kinde_claims.profiles ORDER BY kinde_id;

-- A write inside a READ ONLY transaction is refused by Postgres (PostgREST maps 25006 to 405).
\set VERBOSITY sqlstate
BEGIN READ ONLY;
SELECT kinde_profile_upsert('kp_readonly');
ROLLBACK;
BEGIN READ ONLY;
SELECT kinde_profile_delete('kp_alice');
ROLLBACK;
\set VERBOSITY default
SELECT count(*) AS readonly_rows FROM kinde_claims.profiles WHERE kinde_id = 'kp_readonly';

DROP EXTENSION kinde_claims;
