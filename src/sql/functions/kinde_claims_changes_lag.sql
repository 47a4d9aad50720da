-- How far behind Kinde's cache is, and "standbys": how far each physical standby streaming from
-- this server has replayed (pg_stat_replication, read with the owner's rights; logical
-- subscribers and pg_basebackup are left out).
CREATE OR REPLACE FUNCTION @extschema@.kinde_claims_changes_lag() RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT jsonb_build_object(
        'unpushed', count(*),
        'oldest_unpushed_at', min(h.changed_at),
        'lag_seconds', coalesce(extract(epoch FROM clock_timestamp() - min(h.changed_at)), 0),
        'standbys', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                 'name', r.application_name, 'state', r.state, 'replay_lsn', r.replay_lsn,
                                 'replay_lag_seconds', extract(epoch FROM r.replay_lag))
                             ORDER BY r.application_name, r.pid), '[]'::jsonb)
                     FROM pg_stat_replication r
                     WHERE r.state IS DISTINCT FROM 'backup'
                       AND NOT EXISTS (SELECT FROM pg_replication_slots s
                                       WHERE s.active_pid = r.pid AND s.slot_type = 'logical')))
    FROM kinde_claims.claims_history h WHERE h.pushed_at IS NULL;
$$;
COMMENT ON FUNCTION @extschema@.kinde_claims_changes_lag() IS
    'sync: {"unpushed": n, "oldest_unpushed_at", "lag_seconds", "standbys": [{"name", "state", "replay_lsn", "replay_lag_seconds"}]}: how far behind Kinde''s cache and the standbys are';
