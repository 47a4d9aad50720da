-- kinde_claims_for writes the token object straight into jsonb's binary format and keeps its
-- table locks for the rest of the transaction; this pins both down.
CREATE EXTENSION kinde_claims;

-- Claims of every shape the binary splice must handle: numbers and containers that need their
-- alignment padding redone, strings of every length before them, more than 32 keys (where
-- jsonb stores offsets instead of lengths), keys of 19 characters sorting before and after
-- "lifetime_subscriber", longer URI-style names, nested values, nulls and booleans.
CREATE TEMP TABLE token_cases (n int, claims jsonb);
INSERT INTO token_cases VALUES
  (1, '{"a": 1}'),
  (2, '{"plan": "pro", "seats": 3}'),
  (3, '{"aaaaaaaaaaaaaaaaaaa": 1.5, "zzzzzzzzzzzzzzzzzzz": [1, {"x": 2.25}]}'),
  (4, '{"lifetime_subscribea": "x", "lifetime_subscribez": {"n": 10000000000000000000000}}'),
  (5, '{"https://example.com/plan": "team", "https://example.com/seats": 12, "b": null, "c": true}'),
  (6, '{"nested": {"deeper": {"deepest": [1, 2.5, "three", null, false, {"x": -4}]}}}'),
  (7, '{"empty_object": {}, "empty_array": [], "empty_string": ""}'),
  (8, '{"unicode": "ünïcødé ✓", "number_after_unicode": 3.14159}');
INSERT INTO token_cases
SELECT 100 + width, (
    SELECT jsonb_object_agg('k' || i || repeat('_', i % 23),
        CASE i % 6
            WHEN 0 THEN to_jsonb(i * 1.25)
            WHEN 1 THEN to_jsonb(repeat('s', i % 7))
            WHEN 2 THEN jsonb_build_object('n', i, 'a', jsonb_build_array(i, 'x', 0.5))
            WHEN 3 THEN to_jsonb(i % 2 = 0)
            WHEN 4 THEN 'null'::jsonb
            ELSE jsonb_build_array(repeat('p', i % 5), i)
        END)
    FROM generate_series(1, width) i)
FROM generate_series(1, 45) width;

SELECT kinde_profile_upsert('kp_tokenobject' || n, n % 2 = 0, claims) IS NOT NULL AS stored
FROM token_cases GROUP BY 1;

-- The same value as jsonb's own claims || {"lifetime_subscriber": ...}, the same text, the very
-- same bytes (*= compares binary images), and every key found by jsonb's binary search, which
-- reads the offsets the splice wrote.
CREATE TYPE pg_temp.token_image AS (token jsonb);
CREATE TEMP TABLE token_results AS
SELECT c.n, kinde_claims_for('kp_tokenobject' || c.n) AS token,
       c.claims || jsonb_build_object('lifetime_subscriber', c.n % 2 = 0) AS expected
FROM token_cases c;
SELECT count(*) AS cases,
       count(*) FILTER (WHERE token = expected) AS equal,
       count(*) FILTER (WHERE token::text = expected::text) AS same_text,
       count(*) FILTER (WHERE ROW(token)::pg_temp.token_image *= ROW(expected)::pg_temp.token_image) AS same_bytes,
       count(*) FILTER (WHERE (SELECT bool_and(token -> k = expected -> k) FROM jsonb_object_keys(expected) k)) AS every_key_found
FROM token_results;
SELECT n, token, expected FROM token_results
WHERE NOT ROW(token)::pg_temp.token_image *= ROW(expected)::pg_temp.token_image;
SELECT kinde_claims_for('kp_tokenobject2');

-- A row written past the triggers may hold the key itself: the column still wins.
SET session_replication_role = replica;
UPDATE kinde_claims.profiles SET claims = '{"lifetime_subscriber": "forged", "plan": "x"}'
WHERE kinde_id = 'kp_tokenobject1';
RESET session_replication_role;
SELECT kinde_claims_for('kp_tokenobject1');

-- The table and index locks are taken once and kept to the end of the transaction, and taken
-- again after a rollback to a savepoint has released them.
CREATE FUNCTION pg_temp.profile_locks() RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM pg_locks
  WHERE pid = pg_backend_pid() AND granted AND mode = 'AccessShareLock'
    AND relation IN ('kinde_claims.profiles'::regclass, 'kinde_claims.profiles_kinde_id_key'::regclass)
$$;
BEGIN;
SAVEPOINT before_lookup;
SELECT kinde_claims_for('kp_tokenobject2') ->> 'plan' AS plan, pg_temp.profile_locks();
ROLLBACK TO SAVEPOINT before_lookup;
SELECT pg_temp.profile_locks() AS locks_after_rollback;
SELECT kinde_claims_for('kp_tokenobject2') ->> 'lifetime_subscriber' AS lifetime_subscriber, pg_temp.profile_locks();
COMMIT;
SELECT pg_temp.profile_locks() AS locks_after_commit;

-- A re-created table in the same transaction is a different table: it is locked afresh.
BEGIN;
SELECT kinde_claims_for('kp_tokenobject2') IS NOT NULL AS looked_up;
DROP EXTENSION kinde_claims;
CREATE EXTENSION kinde_claims;
SELECT kinde_claims_for('kp_tokenobject2'), pg_temp.profile_locks();
COMMIT;

DROP EXTENSION kinde_claims;
