-- The feed of kinde-claims-shim sync (docs/history.md). A lease is a set of history entries, not
-- a cursor: an entry whose transaction commits after a newer one was leased is simply unpushed
-- and leased next time, never skipped.
-- sync tells Kinde only once the standbys that serve tokens have the change (docs/sync.md#tokens-
-- served-by-standbys). Kinde rebuilds a token right after refresh_claims; from a standby that has
-- not replayed the change yet it would cache the old claims for good. The lease answers wait_lsn
-- (an LSN past the commit of every entry it leased, only when it leased users), and
-- kinde_claims_changes_lag answers how far each standby has replayed; sync waits until every one
-- has passed wait_lsn, up to a bound.
CREATE OR REPLACE FUNCTION @extschema@.kinde_claims_changes_lease(
        worker text, max_users integer DEFAULT 100, lease_seconds integer DEFAULT 30)
    RETURNS jsonb
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    users text[];
    oldest_id bigint;
    lease bigint;
    result jsonb;
BEGIN
    IF worker IS NULL OR max_users IS NULL OR lease_seconds IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'worker, max_users and lease_seconds must not be null';
    END IF;
    IF length(worker) NOT BETWEEN 1 AND 128 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'worker must be 1 to 128 characters';
    END IF;
    IF max_users NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'max_users must be between 1 and 1000';
    END IF;
    IF lease_seconds NOT BETWEEN 1 AND 3600 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'lease_seconds must be between 1 and 3600';
    END IF;

    -- Each candidate user's oldest unpushed entry, oldest first, for users with no entry under a
    -- live lease. The row lock (SKIP LOCKED) keeps a concurrent lease off the same users. The
    -- users under a live lease are read once (a hashed NOT IN) and left out of the window, so
    -- their entries never fill it; the candidates' rows are then probed by id (an InitPlan's
    -- array): whatever the statistics, no step reads the backlog once per candidate.
    SELECT array_agg(c.kinde_id ORDER BY c.id), min(c.id) INTO users, oldest_id FROM (
        SELECT h.kinde_id, h.id
        FROM kinde_claims.claims_history h
        WHERE h.id = ANY (ARRAY(
                SELECT DISTINCT ON (w.kinde_id) w.id
                FROM (SELECT e.id, e.kinde_id FROM kinde_claims.claims_history e
                      WHERE e.pushed_at IS NULL AND (e.leased_until IS NULL OR e.leased_until < now())
                        AND e.kinde_id NOT IN (SELECT l.kinde_id FROM kinde_claims.claims_history l
                                               WHERE l.pushed_at IS NULL AND l.leased_until >= now())
                      ORDER BY e.id
                      LIMIT max_users * 10) w
                ORDER BY w.kinde_id, w.id))
          AND h.pushed_at IS NULL AND (h.leased_until IS NULL OR h.leased_until < now())
        ORDER BY h.id
        LIMIT max_users
        FOR UPDATE OF h SKIP LOCKED) c;
    IF users IS NULL THEN
        RETURN jsonb_build_object('lease_id', NULL, 'users', '[]'::jsonb);
    END IF;

    -- A new snapshot: every unpushed entry of those users committed by now goes under the lease
    -- (none is older than the oldest candidate's first entry).
    lease := nextval('kinde_claims.claims_lease_id_seq');
    WITH leased AS (
        UPDATE kinde_claims.claims_history h
        SET lease_id = lease, leased_until = now() + lease_seconds * interval '1 second', lease_worker = worker
        WHERE h.id >= oldest_id AND h.kinde_id = ANY (users) AND h.pushed_at IS NULL
          AND (h.leased_until IS NULL OR h.leased_until < now())
        RETURNING h.kinde_id, h.id, h.changed_at
    ), per_user AS (
        SELECT kinde_id, count(*) AS changes, min(changed_at) AS oldest_changed_at, min(id) AS first_id
        FROM leased GROUP BY kinde_id
    )
    SELECT jsonb_build_object('lease_id', lease, 'users', coalesce(jsonb_agg(
               jsonb_build_object('user_id', kinde_id, 'changes', changes, 'oldest_changed_at', oldest_changed_at)
               ORDER BY first_id), '[]'::jsonb))
    INTO result FROM per_user;
    -- Every leased entry was visible to the UPDATE's snapshot, so its commit record is in the WAL
    -- before this position: a standby whose replay has passed it serves the change.
    result := result || jsonb_build_object('wait_lsn', pg_current_wal_insert_lsn());
    -- Each standby reports how far it has replayed when it receives WAL, then only every
    -- wal_receiver_status_interval (10 s): a standby that applies the change 3 s late would say
    -- so 10 s late. A commit made with remote_apply asks every standby that applies it to report
    -- at once; with no synchronous standby it waits for nobody. So this lease's commit, which
    -- follows every leased entry's, is reported the moment a standby has replayed it.
    IF current_setting('synchronous_standby_names') = '' THEN
        PERFORM set_config('synchronous_commit', 'remote_apply', true);
    END IF;
    RETURN result;
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_claims_changes_lease(text, integer, integer) IS
    'sync: leases the unpushed history entries of up to max_users users for lease_seconds: {"lease_id", "users": [{"user_id", "changes", "oldest_changed_at"}], "wait_lsn"}; call Kinde once every standby has replayed past wait_lsn';
