-- kinde_claims_changes_lease under the conditions a large history meets: a backlog on statistics
-- taken while nothing was unpushed, and users under a live lease with many newer changes.
CREATE EXTENSION kinde_claims;
-- Autovacuum analyzes a table after 10 % of it changed: in a history of millions of pushed
-- entries a burst of thousands of changes leaves the statistics of the quiet table in place.
-- Off here so that the test keeps them whatever the timing.
ALTER TABLE kinde_claims.claims_history SET (autovacuum_enabled = off);
INSERT INTO kinde_claims.claims_history (kinde_id, source, actor, old_claims, new_claims, pushed_at, push_outcome)
SELECT 'kp_pushed' || (i % 1000), 'sql', 'postgres', '{}', '{}', now(), 'refreshed' FROM generate_series(1, 20000) i;
ANALYZE kinde_claims.claims_history;
SELECT count(kinde_profile_upsert('kp_burst' || i, true)) AS burst FROM generate_series(1, 5000) i;

-- The history's rows this backend read and has not reported yet: by a sequential scan, or fetched
-- through one of its indexes (live row versions only, not the dead ones earlier leases' updates
-- left). Nothing is reported inside a transaction block: the difference across a lease there is
-- what the lease read.
CREATE FUNCTION pg_temp.history_reads() RETURNS bigint LANGUAGE sql AS $$
    SELECT pg_stat_get_xact_tuples_returned('kinde_claims.claims_history'::regclass)
           + sum(pg_stat_get_xact_tuples_fetched(i.indexrelid))::bigint
    FROM pg_index i WHERE i.indrelid = 'kinde_claims.claims_history'::regclass
$$;

-- One lease reads the window, its candidates, the users under a live lease and the backlog behind
-- the oldest candidate: a few rows per unpushed entry, never the backlog once per candidate. As first written, 0.7.0's lease read
-- 506,100 entries here for 100 users, 5.6 million for 1,000, and took 24 s for 1,000 users over
-- 100,000 unpushed entries (0.6.0: 0.5 s).
SELECT count(*) AS unpushed FROM kinde_claims.claims_history WHERE pushed_at IS NULL \gset
BEGIN;
SELECT pg_temp.history_reads() AS before \gset
SELECT jsonb_array_length(kinde_claims_changes_lease('w_stale', 100) -> 'users') AS users;
SELECT pg_temp.history_reads() - :before <= 4 * :unpushed AS reads_within_four_per_unpushed_entry;
ROLLBACK;
BEGIN;
SELECT pg_temp.history_reads() AS before \gset
SELECT jsonb_array_length(kinde_claims_changes_lease('w_stale', 1000) -> 'users') AS users;
SELECT pg_temp.history_reads() - :before <= 4 * :unpushed AS reads_within_four_per_unpushed_entry;
ROLLBACK;
-- The same with live leases held by another worker and users with several entries each.
SELECT jsonb_array_length(kinde_claims_changes_lease('w_other', 1000, 3600) -> 'users') AS leased_elsewhere;
SELECT count(kinde_profile_upsert('kp_burst' || (i % 2000), i % 3 = 0)) AS more FROM generate_series(1, 4000) i;
SELECT count(*) AS unpushed FROM kinde_claims.claims_history WHERE pushed_at IS NULL \gset
BEGIN;
SELECT pg_temp.history_reads() AS before \gset
SELECT jsonb_array_length(kinde_claims_changes_lease('w_stale', 100) -> 'users') AS users;
SELECT pg_temp.history_reads() - :before <= 4 * :unpushed AS reads_within_four_per_unpushed_entry;
ROLLBACK;
-- done reads one user's entries of the lease through the leased index, not the backlog: ten
-- users' done read their own entries only (as first written, 0.7.0's read 7,666 rows per call).
CREATE TEMP TABLE stale_lease AS SELECT kinde_claims_changes_lease('w_done', 10) AS l;
BEGIN;
SELECT pg_temp.history_reads() AS before \gset
SELECT sum((kinde_claims_changes_done((l ->> 'lease_id')::bigint, u #>> '{}', 'refreshed', 200) ->> 'entries')::int) AS marked
FROM stale_lease, jsonb_path_query(l, '$.users[*].user_id') u;
SELECT pg_temp.history_reads() - :before <= 100 AS done_reads_its_users_entries_only;
ROLLBACK;
DELETE FROM kinde_claims.claims_history;

-- A user under a live lease whose newer changes alone would fill the window (ten entries per user
-- asked for) does not hide the users behind them: the next lease takes kp_next.
SELECT kinde_profile_upsert('kp_hot', true) IS NOT NULL AS wrote;
SELECT jsonb_path_query_array(kinde_claims_changes_lease('w_hot', 1, 3600), '$.users[*].user_id') AS users;
SELECT count(kinde_profile_upsert('kp_hot', i % 2 = 0)) AS hot_changes FROM generate_series(1, 12) i;
SELECT kinde_profile_upsert('kp_next', true) IS NOT NULL AS wrote;
SELECT jsonb_path_query_array(kinde_claims_changes_lease('w_next', 1), '$.users[*].user_id') AS users;
-- kp_hot's new changes wait for its lease, then go under one lease together.
SELECT kinde_claims_changes_lease('w_next', 1) ->> 'lease_id' AS nothing_while_leased;
SELECT sum((kinde_claims_changes_done(lease_id, kinde_id, 'refreshed', 200) ->> 'entries')::int) AS marked
FROM (SELECT DISTINCT lease_id, kinde_id FROM kinde_claims.claims_history WHERE lease_worker = 'w_hot') l;
SELECT jsonb_path_query_array(l, '$.users[*].user_id') AS users, jsonb_path_query_array(l, '$.users[*].changes') AS changes
FROM kinde_claims_changes_lease('w_after', 1) l;

-- A user with an expired lease on some entries and a live one on others stays skipped: the
-- expired entries wait for the live lease to end (the lease ends early here by hand).
DELETE FROM kinde_claims.claims_history;
SELECT count(kinde_profile_upsert('kp_mixed', i % 2 = 1)) AS mixed_changes FROM generate_series(1, 2) i;
CREATE TEMP TABLE mixed AS SELECT (kinde_claims_changes_lease('w_mixed', 10, 3600) ->> 'lease_id')::bigint AS lease_id;
UPDATE kinde_claims.claims_history SET leased_until = now() - interval '1 second'
WHERE id = (SELECT min(id) FROM kinde_claims.claims_history WHERE kinde_id = 'kp_mixed');
SELECT kinde_claims_changes_lease('w_other', 10) ->> 'lease_id' AS nothing_while_partly_live;
-- Once the whole lease has run out, another worker leases both entries; done for the old lease
-- then marks nothing, and the new lease's done marks both.
UPDATE kinde_claims.claims_history SET leased_until = now() - interval '1 second' WHERE kinde_id = 'kp_mixed';
CREATE TEMP TABLE relet AS SELECT kinde_claims_changes_lease('w_other', 10) AS l;
SELECT jsonb_path_query_array(l, '$.users[*].changes') AS changes FROM relet;
SELECT kinde_claims_changes_done((SELECT lease_id FROM mixed), 'kp_mixed', 'refreshed', 200) AS old_lease;
SELECT kinde_claims_changes_done((SELECT (l ->> 'lease_id')::bigint FROM relet), 'kp_mixed', 'refreshed', 200) AS new_lease;

DROP EXTENSION kinde_claims;
