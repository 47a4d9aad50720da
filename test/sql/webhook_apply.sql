-- kinde_webhook_apply: one Kinde webhook event applied once, in order per user, and pruning.
CREATE EXTENSION kinde_claims;
\set SHOW_CONTEXT never
CREATE ROLE regress_kc_webhook_writer NOLOGIN;
CREATE ROLE regress_kc_webhook_other NOLOGIN;
GRANT EXECUTE ON FUNCTION kinde_webhook_apply(jsonb) TO regress_kc_webhook_writer;

-- An event the way the shim forwards it: the verified payload.
CREATE FUNCTION pg_temp.event(type text, event_id text, ts text, kinde_id text) RETURNS jsonb
    LANGUAGE sql AS $$
    SELECT jsonb_build_object('type', type, 'event_id', event_id, 'timestamp', ts, 'source', 'admin',
                              'data', jsonb_build_object('user', jsonb_build_object('id', kinde_id)))
$$;
CREATE FUNCTION pg_temp.state(user_id text) RETURNS text LANGUAGE sql AS $$
    SELECT format('profile=%s webhook_users=%s', EXISTS (SELECT FROM kinde_claims.profiles p WHERE p.kinde_id = $1),
                  (SELECT format('(%s, deleted=%s)', u.last_event_time AT TIME ZONE 'UTC', u.deleted)
                   FROM kinde_claims.webhook_users u WHERE u.kinde_id = $1))
$$;

-- The writer role may call it; nobody else may.
SET ROLE regress_kc_webhook_other;
SELECT kinde_webhook_apply(pg_temp.event('user.created', 'event_denied', '2024-05-01T10:00:00Z', 'kp_webhook1'));
RESET ROLE;
SELECT has_function_privilege('public', 'kinde_webhook_apply(jsonb)', 'EXECUTE') AS public_can_apply,
       has_function_privilege('public', 'kinde_webhook_prune(interval)', 'EXECUTE') AS public_can_prune;

SET ROLE regress_kc_webhook_writer;

-- user.created makes the profile, with the defaults a token gets.
SELECT kinde_webhook_apply(pg_temp.event('user.created', 'event_c1', '2024-05-01T10:00:00.000001+10:00', 'kp_webhook1'));
RESET ROLE;
SELECT pg_temp.state('kp_webhook1');
SELECT kinde_claims_for('kp_webhook1');
SET ROLE regress_kc_webhook_writer;

-- The same event again (Kinde retries, duplicates happen): nothing changes.
SELECT kinde_webhook_apply(pg_temp.event('user.created', 'event_c1', '2024-05-01T10:00:00.000001+10:00', 'kp_webhook1'));

-- user.updated for an existing profile keeps it and its claims.
RESET ROLE;
SELECT kinde_profile_upsert('kp_webhook1', true, '{"plan": "pro"}');
SET ROLE regress_kc_webhook_writer;
SELECT kinde_webhook_apply(pg_temp.event('user.updated', 'event_u1', '2024-05-01T00:05:00Z', 'kp_webhook1'));
RESET ROLE;
SELECT kinde_claims_for('kp_webhook1');
SET ROLE regress_kc_webhook_writer;

-- An event older than the last one applied to that user is stale.
SELECT kinde_webhook_apply(pg_temp.event('user.updated', 'event_u0', '2024-05-01T00:04:59.999999Z', 'kp_webhook1'));

-- user.updated for a user with no profile (created before the webhook existed) creates it.
SELECT kinde_webhook_apply(pg_temp.event('user.updated', 'event_u2', '2024-05-02T08:00:00-04:00', 'kp_webhook2'));

-- user.deleted removes the profile; a user.updated sent earlier but delivered later is stale
-- and does not bring it back.
SELECT kinde_webhook_apply(pg_temp.event('user.deleted', 'event_d1', '2024-05-01T00:10:00Z', 'kp_webhook1'));
SELECT kinde_webhook_apply(pg_temp.event('user.updated', 'event_u3', '2024-05-01T00:09:00Z', 'kp_webhook1'));
RESET ROLE;
SELECT pg_temp.state('kp_webhook1');
SELECT kinde_claims_for('kp_webhook1');
SET ROLE regress_kc_webhook_writer;

-- Nothing after a deletion brings the user back either: Kinde never reuses an id.
SELECT kinde_webhook_apply(pg_temp.event('user.updated', 'event_u4', '2024-05-01T00:11:00Z', 'kp_webhook1'));
RESET ROLE;
SELECT pg_temp.state('kp_webhook1');
SET ROLE regress_kc_webhook_writer;

-- Deleted before it was ever created (order is not guaranteed): the late user.created is stale.
SELECT kinde_webhook_apply(pg_temp.event('user.deleted', 'event_d3', '2024-05-03T00:00:01Z', 'kp_webhook3'));
SELECT kinde_webhook_apply(pg_temp.event('user.created', 'event_c3', '2024-05-03T00:00:00Z', 'kp_webhook3'));
RESET ROLE;
SELECT pg_temp.state('kp_webhook3');
SET ROLE regress_kc_webhook_writer;

-- A deletion at the same instant as the last applied event still wins; an update does not.
SELECT kinde_webhook_apply(pg_temp.event('user.created', 'event_c4', '2024-05-04T00:00:00Z', 'kp_webhook4'));
SELECT kinde_webhook_apply(pg_temp.event('user.updated', 'event_u5', '2024-05-04T00:00:00Z', 'kp_webhook4'));
SELECT kinde_webhook_apply(pg_temp.event('user.deleted', 'event_d4', '2024-05-04T00:00:00Z', 'kp_webhook4'));

-- Other event types are recorded and ignored, with or without a user.
SELECT kinde_webhook_apply('{"type": "role.created", "event_id": "event_o1", "timestamp": "2024-05-01T00:00:00Z", "data": {"role": {"key": "admin"}}}');
SELECT kinde_webhook_apply(pg_temp.event('user.authenticated', 'event_a1', '2024-05-01T00:00:00Z', 'kp_webhook5'));
SELECT kinde_webhook_apply('{"type": "role.created", "event_id": "event_o1", "timestamp": "2024-05-01T00:00:00Z"}');
RESET ROLE;
SELECT pg_temp.state('kp_webhook5');

-- The real Kinde payload (test/fixtures/kinde-webhooks/user-updated-1.jwt) applies as it is.
SET ROLE regress_kc_webhook_writer;
SELECT kinde_webhook_apply('{"data":{"user":{"email":"daniel@kinde.com","first_name":"Daniel","id":"kp_65b28d71bba14fa380d56d2d8d3503da","is_password_reset_requested":false,"is_suspended":false,"last_name":"Rivers","organizations":[{"code":"org_590d7f1a86a","permissions":null,"roles":null}],"phone":null,"username":"daniel"}},"event_id":"event_018f331a3178f7fef284b95fe6770384","source":"admin","timestamp":"2024-05-01T17:41:45.592145+10:00","type":"user.updated"}');
RESET ROLE;
SELECT event_id, kinde_id, type, event_time AT TIME ZONE 'UTC' AS event_time_utc
FROM kinde_claims.webhook_events ORDER BY event_id;
SET ROLE regress_kc_webhook_writer;

-- Malformed events are refused with 22023 (22004 for NULL) and write nothing.
\set VERBOSITY default
SELECT kinde_webhook_apply(NULL);
SELECT kinde_webhook_apply('[1, 2]');
SELECT kinde_webhook_apply('"user.created"');
SELECT kinde_webhook_apply('{"event_id": "event_x1", "timestamp": "2024-05-01T00:00:00Z", "data": {"user": {"id": "kp_x"}}}');
SELECT kinde_webhook_apply('{"type": 7, "event_id": "event_x1", "timestamp": "2024-05-01T00:00:00Z", "data": {"user": {"id": "kp_x"}}}');
SELECT kinde_webhook_apply(pg_temp.event('user created', 'event_x1', '2024-05-01T00:00:00Z', 'kp_x'));
SELECT kinde_webhook_apply(pg_temp.event('user.created', NULL, '2024-05-01T00:00:00Z', 'kp_x'));
SELECT kinde_webhook_apply(pg_temp.event('user.created', 'event x1', '2024-05-01T00:00:00Z', 'kp_x'));
SELECT kinde_webhook_apply(pg_temp.event('user.created', 'event_x1', NULL, 'kp_x'));
SELECT kinde_webhook_apply(pg_temp.event('user.created', 'event_x1', 'now', 'kp_x'));
SELECT kinde_webhook_apply(pg_temp.event('user.created', 'event_x1', 'infinity', 'kp_x'));
SELECT kinde_webhook_apply(pg_temp.event('user.created', 'event_x1', '2024-05-01 00:00:00+00', 'kp_x'));
SELECT kinde_webhook_apply(pg_temp.event('user.created', 'event_x1', '2024-05-01T00:00:00', 'kp_x'));
SELECT kinde_webhook_apply(pg_temp.event('user.created', 'event_x1', '2023-02-29T00:00:00Z', 'kp_x'));
SELECT kinde_webhook_apply(pg_temp.event('user.created', 'event_x1', '2024-05-01T00:00:00.Z', 'kp_x'));
SELECT kinde_webhook_apply(pg_temp.event('user.created', 'event_x1', '2024-05-01T00:00:00Z trailing', 'kp_x'));
SELECT kinde_webhook_apply(pg_temp.event('user.created', 'event_x1', '2024-05-01T00:00:00Z', NULL));
SELECT kinde_webhook_apply(pg_temp.event('user.deleted', 'event_x1', '2024-05-01T00:00:00Z', 'kp_bad-id'));
SELECT kinde_webhook_apply('{"type": "user.deleted", "event_id": "event_x1", "timestamp": "2024-05-01T00:00:00Z", "data": {"user": "kp_x"}}');
SELECT kinde_webhook_apply(pg_temp.event('role.updated', 'event_x1', '2024-05-01T00:00:00Z', 'not-a-user'));
\set VERBOSITY terse
RESET ROLE;
SELECT count(*) AS rejected_events_recorded FROM kinde_claims.webhook_events WHERE event_id = 'event_x1';
SELECT count(*) AS profiles_for_rejected FROM kinde_claims.profiles WHERE kinde_id = 'kp_x';

-- The call exactly as PostgREST makes it for POST /rpc/kinde_webhook_apply (FACTS.md §3),
-- in its READ WRITE transaction (the function is VOLATILE) and under its role switch.
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"public"', true), set_config('role', 'regress_kc_webhook_writer', true),
       set_config('request.jwt.claims', '{"role":"regress_kc_webhook_writer"}', true),
       set_config('request.method', 'POST', true), set_config('request.path', '/rpc/kinde_webhook_apply', true) \gset
WITH pgrst_source AS (SELECT pgrst_call.pgrst_scalar FROM (SELECT '{"event": {"type": "user.created", "event_id": "event_pgrst1", "timestamp": "2024-06-01T00:00:00Z", "data": {"user": {"id": "kp_webhook6"}}}}'::json AS json_data) pgrst_payload,
  LATERAL (SELECT "event" FROM json_to_record(pgrst_payload.json_data) AS _("event" jsonb) LIMIT 1) pgrst_body,
  LATERAL (SELECT "public"."kinde_webhook_apply"("event" := pgrst_body."event") pgrst_scalar) pgrst_call)
SELECT null::bigint AS total_result_set, 1 AS page_total,
  coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
  nullif(current_setting('response.headers', true), '') AS response_headers,
  nullif(current_setting('response.status', true), '') AS response_status,
  '' AS response_inserted
FROM (SELECT "kinde_webhook_apply".* FROM "pgrst_source" AS "kinde_webhook_apply") _postgrest_t;
COMMIT;
SELECT pg_temp.state('kp_webhook6');

-- A GET (READ ONLY transaction) cannot apply an event: 25006, which PostgREST answers with 405.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SET LOCAL ROLE regress_kc_webhook_writer;
SELECT kinde_webhook_apply(pg_temp.event('user.created', 'event_ro1', '2024-06-01T00:00:00Z', 'kp_webhook7'));
ROLLBACK;

-- Pruning: state older than the cutoff goes, newer state stays; at least 2 days.
UPDATE kinde_claims.webhook_events SET received_at = now() - interval '8 days' WHERE event_id IN ('event_c1', 'event_u1');
UPDATE kinde_claims.webhook_users SET applied_at = now() - interval '8 days' WHERE kinde_id = 'kp_webhook2';
SELECT kinde_webhook_prune();
SELECT count(*) AS events_left, count(*) FILTER (WHERE event_id = 'event_c1') AS c1_left FROM kinde_claims.webhook_events;
SELECT kinde_id FROM kinde_claims.webhook_users ORDER BY 1;
UPDATE kinde_claims.webhook_events SET received_at = now() - interval '3 days' WHERE event_id = 'event_u2';
SELECT kinde_webhook_prune('7 days'), kinde_webhook_prune('2 days');
\set VERBOSITY default
SELECT kinde_webhook_prune('1 day');
SELECT kinde_webhook_prune(NULL);
\set VERBOSITY terse
SET ROLE regress_kc_webhook_writer;
SELECT kinde_webhook_prune();
RESET ROLE;

-- Pruned state is forgotten, which is why it must outlive Kinde's retry window: a pruned
-- event_id is no longer a duplicate (here the user's kept deletion still makes it stale), and
-- with the user's state pruned too the event applies again.
SET ROLE regress_kc_webhook_writer;
SELECT kinde_webhook_apply(pg_temp.event('user.created', 'event_c1', '2024-05-01T10:00:00.000001+10:00', 'kp_webhook1'));
SELECT kinde_webhook_apply(pg_temp.event('user.updated', 'event_u2', '2024-05-02T08:00:00-04:00', 'kp_webhook2'));
RESET ROLE;

-- A deleted user's tombstone outlives every prune, so a replay of an old capture cannot bring
-- the profile back.
SELECT kinde_id FROM kinde_claims.webhook_users WHERE deleted ORDER BY 1 LIMIT 1 \gset tomb_
UPDATE kinde_claims.webhook_users SET applied_at = now() - interval '400 days' WHERE kinde_id = :'tomb_kinde_id';
UPDATE kinde_claims.webhook_events SET received_at = now() - interval '400 days';
SELECT kinde_webhook_prune();
SELECT count(*) AS tombstones_kept FROM kinde_claims.webhook_users WHERE kinde_id = :'tomb_kinde_id' AND deleted;
SET ROLE regress_kc_webhook_writer;
SELECT kinde_webhook_apply(pg_temp.event('user.created', 'event_replayed',
       to_char(now() AT TIME ZONE 'UTC' - interval '1 hour', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), :'tomb_kinde_id')) ->> 'result' AS replay_result;
RESET ROLE;
SELECT count(*) AS resurrected FROM kinde_claims.profiles WHERE kinde_id = :'tomb_kinde_id';

-- The state tables: row-level security on, kept by pg_dump.
SELECT relname, relrowsecurity FROM pg_class WHERE relname IN ('webhook_events', 'webhook_users') ORDER BY 1;
SELECT c::regclass AS dumped FROM pg_extension, unnest(extconfig) c
WHERE extname = 'kinde_claims' AND c::regclass::text LIKE 'kinde_claims.webhook%' ORDER BY 1;

DROP EXTENSION kinde_claims;
DROP ROLE regress_kc_webhook_writer;
DROP ROLE regress_kc_webhook_other;
