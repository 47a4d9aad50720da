-- How a profile's history entry is written: straight into the heap and the indexes while the
-- history table is as the extension made it, through an INSERT statement (which honours them)
-- once someone has added a trigger, a CHECK, a column with a default or an index the direct
-- writer does not handle. Either way the entry and every index entry must be there: amcheck
-- verifies that each index holds exactly the heap rows it should (heapallindexed).
CREATE EXTENSION kinde_claims;
CREATE EXTENSION amcheck;
\set SHOW_CONTEXT never

CREATE FUNCTION pg_temp.indexes_hold_every_entry() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    index regclass;
    checked text[] := '{}';
BEGIN
    FOR index IN
        SELECT i.indexrelid::regclass FROM pg_index i
        WHERE i.indrelid = 'kinde_claims.claims_history'::regclass ORDER BY i.indexrelid::regclass::text
    LOOP
        PERFORM bt_index_parent_check(index, heapallindexed => true);
        checked := checked || split_part(index::text, '.', 2);
    END LOOP;
    RETURN array_to_string(checked, ', ');
END
$$;
-- Each entry as kinde_claims_history returns it, oldest first, without the times.
CREATE FUNCTION pg_temp.history(user_id text) RETURNS TABLE (source text, actor_is_me boolean,
        old_claims jsonb, new_claims jsonb, unpushed boolean)
    LANGUAGE sql AS $$
    SELECT h.source, h.actor = current_user, h.old_claims, h.new_claims, h.pushed_at IS NULL
    FROM kinde_claims_history(user_id) h ORDER BY h.changed_at
$$;

-- The direct writer: ids in the order of the writes, changed_at the time of the write, and
-- the entries found through each index (the user's history, and the feed's unpushed entries).
SELECT kinde_profile_upsert('kp_w1', true);
SELECT kinde_profile_upsert('kp_w1', NULL, '{"plan": "pro"}');
SELECT kinde_profile_upsert('kp_w2', true);
SELECT kinde_profile_upsert('kp_w1', false);
SELECT kinde_id, source, old_claims, new_claims, org_code, lease_id, pushed_at
FROM kinde_claims.claims_history ORDER BY id;
SELECT bool_and(changed_at <= clock_timestamp() AND changed_at > now() - interval '1 minute') AS written_now,
       count(DISTINCT id) = count(*) AS ids_distinct,
       (array_agg(kinde_id ORDER BY id))[1] AS first
FROM kinde_claims.claims_history;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT * FROM pg_temp.history('kp_w1');
SELECT * FROM pg_temp.history('kp_w2');
SELECT kinde_claims_changes_lag() - 'oldest_unpushed_at' - 'lag_seconds' AS lag;
RESET enable_seqscan;
RESET enable_bitmapscan;
SELECT pg_temp.indexes_hold_every_entry();
-- A rolled-back write leaves nothing behind, whichever way.
BEGIN;
SELECT kinde_profile_upsert('kp_w3', true);
ROLLBACK;
SELECT count(*) AS kp_w3_entries FROM kinde_claims.claims_history WHERE kinde_id = 'kp_w3';
-- The primary key on id (0.8.0: the key a logical replication subscriber finds a row by) holds
-- on the direct path too: an id the sequence is about to hand out, taken by hand, fails the
-- write whole, and nothing of it stays.
INSERT INTO kinde_claims.claims_history (id, kinde_id, source, actor, old_claims, new_claims) OVERRIDING SYSTEM VALUE
SELECT last_value + 1, 'kp_wtaken', 'sql', current_user, '{}', '{}' FROM kinde_claims.claims_history_id_seq;
\set VERBOSITY terse
SELECT kinde_profile_upsert('kp_w4', true);
\set VERBOSITY default
SELECT count(*) AS kp_w4_profiles, (SELECT count(*) FROM kinde_claims.claims_history WHERE kinde_id = 'kp_w4') AS kp_w4_entries
FROM kinde_claims.profiles WHERE kinde_id = 'kp_w4';
DELETE FROM kinde_claims.claims_history WHERE kinde_id = 'kp_wtaken';

-- Another index on a plain column: the direct writer fills it too.
CREATE INDEX claims_history_changed_at_idx ON kinde_claims.claims_history (changed_at);
SELECT kinde_profile_upsert('kp_w2', false);
SELECT pg_temp.indexes_hold_every_entry();
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT count(*) AS entries_by_changed_at FROM kinde_claims.claims_history WHERE changed_at > now() - interval '1 hour';
RESET enable_seqscan;
RESET enable_bitmapscan;
DROP INDEX kinde_claims.claims_history_changed_at_idx;

-- Partial indexes on IS [NOT] NULL tests of any columns, one test or several (as the feed's
-- leased index): the direct writer puts into each exactly the entries its predicate holds for.
-- Counted through each index and again without indexes; amcheck finds any entry missing.
CREATE INDEX claims_history_event_idx ON kinde_claims.claims_history (kinde_id) WHERE event_id IS NOT NULL;
CREATE INDEX claims_history_plain_idx ON kinde_claims.claims_history (id)
    WHERE event_id IS NULL AND app_table IS NULL AND pushed_at IS NULL;
SELECT kinde_profile_upsert('kp_w6', true);
SELECT kinde_webhook_apply('{"type": "user.deleted", "event_id": "event_w6", "timestamp": "2026-11-01T00:00:00Z", "data": {"user": {"id": "kp_w6"}}}'::jsonb) ->> 'profile' AS webhook;
SELECT pg_temp.indexes_hold_every_entry();
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT count(*) AS with_event_by_index FROM kinde_claims.claims_history WHERE event_id IS NOT NULL;
SELECT count(*) AS plain_by_index FROM kinde_claims.claims_history
WHERE event_id IS NULL AND app_table IS NULL AND pushed_at IS NULL;
RESET enable_seqscan;
RESET enable_bitmapscan;
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SELECT count(*) FILTER (WHERE event_id IS NOT NULL) AS with_event,
       count(*) FILTER (WHERE event_id IS NULL AND app_table IS NULL AND pushed_at IS NULL) AS plain
FROM kinde_claims.claims_history;
RESET enable_indexscan;
RESET enable_bitmapscan;
DROP INDEX kinde_claims.claims_history_event_idx, kinde_claims.claims_history_plain_idx;

-- An expression index and a partial index on something else: the statement fills them.
CREATE INDEX claims_history_lower_idx ON kinde_claims.claims_history (lower(kinde_id));
CREATE INDEX claims_history_webhook_idx ON kinde_claims.claims_history (event_id) WHERE source = 'webhook';
SELECT kinde_profile_upsert('kp_w4', true);
SELECT kinde_webhook_apply('{"type": "user.deleted", "event_id": "event_w4", "timestamp": "2026-11-01T00:00:00Z", "data": {"user": {"id": "kp_w4"}}}'::jsonb) ->> 'profile' AS webhook;
SELECT pg_temp.indexes_hold_every_entry();
DROP INDEX kinde_claims.claims_history_lower_idx, kinde_claims.claims_history_webhook_idx;

-- A CHECK constraint is enforced (the write fails whole), a trigger fires, a new column's
-- default is filled in: each makes the writer use the statement.
ALTER TABLE kinde_claims.claims_history ADD CONSTRAINT no_sql_entries CHECK (source <> 'sql');
\set VERBOSITY terse
UPDATE kinde_claims.profiles SET lifetime_subscriber = true WHERE kinde_id = 'kp_w2';
\set VERBOSITY default
SELECT kinde_profile_upsert('kp_w2', NULL, '{"plan": "team"}');
ALTER TABLE kinde_claims.claims_history DROP CONSTRAINT no_sql_entries;
CREATE FUNCTION pg_temp.stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.jwt_role := 'stamped by a trigger';
    RETURN NEW;
END
$$;
CREATE TRIGGER stamp BEFORE INSERT ON kinde_claims.claims_history FOR EACH ROW EXECUTE FUNCTION pg_temp.stamp();
SELECT kinde_profile_upsert('kp_w2', NULL, '{"plan": "free"}');
DROP TRIGGER stamp ON kinde_claims.claims_history;
ALTER TABLE kinde_claims.claims_history ADD COLUMN note text NOT NULL DEFAULT 'a default';
SELECT kinde_profile_upsert('kp_w2', NULL, '{"plan": "pro"}');
SELECT source, jwt_role, new_claims, note FROM kinde_claims.claims_history WHERE kinde_id = 'kp_w2' ORDER BY id;
ALTER TABLE kinde_claims.claims_history DROP COLUMN note;
-- With all of that gone (a dropped column stays behind as a hole in the row), the direct
-- writer again; the entries are whole.
SELECT kinde_profile_upsert('kp_w2', NULL, '{"plan": "team"}');
SELECT * FROM pg_temp.history('kp_w2');
SELECT pg_temp.indexes_hold_every_entry();

-- Pushed entries move to the other partial index (sync's UPDATE, off the write path); the
-- user's history still holds every entry, newest first, read through both indexes.
SELECT jsonb_array_length(kinde_claims_changes_lease('writer-test', 1) -> 'users') AS leased_users;
SELECT kinde_claims_changes_done(max(lease_id), 'kp_w1', 'refreshed') FROM kinde_claims.claims_history;
SELECT kinde_profile_upsert('kp_w1', true);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT * FROM pg_temp.history('kp_w1');
SELECT source, new_claims, pushed_at IS NOT NULL AS pushed FROM kinde_claims_history('kp_w1');
RESET enable_seqscan;
RESET enable_bitmapscan;
SELECT pg_temp.indexes_hold_every_entry();

-- The history belongs to the owner: a direct writer of profiles who may not touch the history
-- still gets its entry written.
CREATE ROLE regress_kc_writer_direct;
GRANT USAGE ON SCHEMA kinde_claims TO regress_kc_writer_direct;
GRANT INSERT ON kinde_claims.profiles TO regress_kc_writer_direct;
ALTER ROLE regress_kc_writer_direct BYPASSRLS;
BEGIN;
SET ROLE regress_kc_writer_direct;
INSERT INTO kinde_claims.profiles (kinde_id, lifetime_subscriber) VALUES ('kp_w5', true);
COMMIT;
SELECT count(*) FROM kinde_claims.claims_history;
RESET ROLE;
SELECT source, actor, new_claims FROM kinde_claims.claims_history WHERE kinde_id = 'kp_w5';

DROP EXTENSION kinde_claims;
DROP EXTENSION amcheck;
DROP ROLE regress_kc_writer_direct;
