-- An event dated more than 5 minutes ahead of the database's clock is not applied: nothing is
-- recorded (a later delivery of it is applied then), and the user's (or organization's) ordering
-- does not move, so it cannot make a genuine later user.deleted stale.
CREATE EXTENSION kinde_claims;

CREATE FUNCTION pg_temp.event(type text, event_id text, ts timestamptz, kinde_id text) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT jsonb_build_object('type', type, 'event_id', event_id,
                              'timestamp', to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                              'data', CASE WHEN type LIKE 'organization.%'
                                           THEN jsonb_build_object('organization', jsonb_build_object('code', kinde_id))
                                           ELSE jsonb_build_object('user', jsonb_build_object('id', kinde_id)) END)
$$;

SELECT kinde_profile_upsert('kp_future', true, '{"plan": "pro"}');
SELECT kinde_webhook_apply(pg_temp.event('user.updated', 'event_f0', now() - interval '1 hour', 'kp_future'));

-- Far ahead, and just past the 5 minutes: "future", nothing written.
SELECT kinde_webhook_apply(pg_temp.event('user.updated', 'event_f1', '2099-01-01T00:00:00Z', 'kp_future'));
SELECT kinde_webhook_apply(pg_temp.event('user.created', 'event_f2', clock_timestamp() + interval '5 minutes 30 seconds', 'kp_new'));
SELECT kinde_webhook_apply(pg_temp.event('user.deleted', 'event_f3', clock_timestamp() + interval '1 day', 'kp_future'));
SELECT kinde_webhook_apply(pg_temp.event('organization.created', 'event_f4', clock_timestamp() + interval '1 day', 'org_future'));
SELECT count(*) AS organization_not_created FROM kinde_claims.organizations;
SELECT count(*) AS recorded FROM kinde_claims.webhook_events WHERE event_id IN ('event_f1', 'event_f2', 'event_f3', 'event_f4');
SELECT kinde_id, last_event_time < now() AS ordering_not_moved, deleted FROM kinde_claims.webhook_users ORDER BY kinde_id;
SELECT kinde_claims_for('kp_future') AS still_there, kinde_claims_for('kp_new') AS not_created;

-- Within the 5 minutes (clocks differ by seconds): applied.
SELECT kinde_webhook_apply(pg_temp.event('user.updated', 'event_f5', clock_timestamp() + interval '4 minutes', 'kp_future')) ->> 'result' AS near_future;

-- The later genuine user.deleted is applied, not made stale by the future-dated event above.
SELECT kinde_webhook_apply(pg_temp.event('user.deleted', 'event_f6', clock_timestamp() + interval '4 minutes 30 seconds', 'kp_future')) ->> 'result' AS genuine_delete;
SELECT kinde_claims_for('kp_future') AS after_delete;

-- Kinde's retry of the future event, once its time has come (here: the same event_id now stale
-- or applied according to the user's ordering, never a duplicate of the refused delivery).
SELECT kinde_webhook_apply(pg_temp.event('user.updated', 'event_f1', now() - interval '30 minutes', 'kp_future')) ->> 'result' AS retried;

DROP EXTENSION kinde_claims;
