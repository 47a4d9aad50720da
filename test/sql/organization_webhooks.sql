-- kinde_webhook_apply follows Kinde's organizations (0.6.0): organization.created/updated/deleted
-- and the `organizations` list of user.created/user.updated (FACTS.md §8 payload shapes), once
-- per event and in order per organization and per user. Claims come from the app only.
CREATE EXTENSION kinde_claims;
\set SHOW_CONTEXT never

-- Kinde-shaped payloads: data.organization {code, name, handle, external_id}; a user's
-- organizations [{code, permissions, roles}]; event_timestamp next to timestamp.
CREATE FUNCTION pg_temp.org_event(type text, event_id text, ts text, code text) RETURNS jsonb
    LANGUAGE sql AS $$
    SELECT jsonb_build_object('type', type, 'event_id', event_id, 'timestamp', ts, 'event_timestamp', ts,
                              'source', 'admin',
                              'data', jsonb_build_object('organization', jsonb_build_object(
                                  'code', code, 'name', 'Acme ' || code, 'handle', 'acme', 'external_id', NULL)))
$$;
CREATE FUNCTION pg_temp.user_event(type text, event_id text, ts text, kinde_id text, codes text[]) RETURNS jsonb
    LANGUAGE sql AS $$
    SELECT jsonb_build_object('type', type, 'event_id', event_id, 'timestamp', ts, 'event_timestamp', ts,
                              'source', 'user',
                              'data', jsonb_build_object('user', jsonb_build_object(
                                  'id', kinde_id, 'email', 'someone@example.com', 'first_name', 'Some',
                                  'organizations', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                      'code', c, 'permissions', '[]'::jsonb, 'roles', '["admin"]'::jsonb)), '[]')
                                      FROM unnest(codes) c))))
$$;
CREATE FUNCTION pg_temp.memberships(user_id text) RETURNS text[] LANGUAGE sql AS $$
    SELECT coalesce(array_agg(org_code ORDER BY org_code), '{}') FROM kinde_claims.memberships WHERE kinde_id = user_id
$$;

-- organization.created: the organization exists, with no claims; a duplicate changes nothing.
SELECT kinde_webhook_apply(pg_temp.org_event('organization.created', 'event_o1', '2024-05-01T10:00:00Z', 'org_1ccfb819462'));
SELECT kinde_webhook_apply(pg_temp.org_event('organization.created', 'event_o1', '2024-05-01T10:00:00Z', 'org_1ccfb819462')) ->> 'result' AS again;
SELECT org_code, claims FROM kinde_claims.organizations;
-- The app's claims; organization.updated keeps them (Kinde sends names, not claims).
SELECT kinde_organization_upsert('org_1ccfb819462', '{"plan": "enterprise"}');
SELECT kinde_webhook_apply(pg_temp.org_event('organization.updated', 'event_o2', '2024-05-01T10:01:00Z', 'org_1ccfb819462')) - 'event_id';
SELECT claims FROM kinde_claims.organizations WHERE org_code = 'org_1ccfb819462';

-- user.created with two organizations: two memberships; the merged token.
SELECT kinde_webhook_apply(pg_temp.user_event('user.created', 'event_u1', '2024-05-01T10:02:00Z', 'kp_w1',
                                              ARRAY['org_1ccfb819462', 'org_2'])) - 'event_id';
SELECT pg_temp.memberships('kp_w1');
SELECT kinde_claims_for('kp_w1', 'org_1ccfb819462');
-- The app's membership claims stay when user.updated lists the organization again.
SELECT kinde_membership_upsert('kp_w1', 'org_1ccfb819462', '{"seat": "admin"}');
SELECT kinde_webhook_apply(pg_temp.user_event('user.updated', 'event_u2', '2024-05-01T10:03:00Z', 'kp_w1',
                                              ARRAY['org_1ccfb819462', 'org_3'])) ->> 'result' AS result;
SELECT pg_temp.memberships('kp_w1'), kinde_claims_for('kp_w1', 'org_1ccfb819462');
-- A late user.updated (older than the last applied) is stale: the list it carries is not applied.
SELECT kinde_webhook_apply(pg_temp.user_event('user.updated', 'event_u0', '2024-05-01T10:02:30Z', 'kp_w1',
                                              ARRAY['org_9'])) ->> 'result' AS late;
SELECT pg_temp.memberships('kp_w1');
-- No longer listed: the membership goes, and the token loses the organization's claims.
SELECT kinde_webhook_apply(pg_temp.user_event('user.updated', 'event_u3', '2024-05-01T10:04:00Z', 'kp_w1',
                                              ARRAY['org_3'])) ->> 'result' AS result;
SELECT pg_temp.memberships('kp_w1'), kinde_claims_for('kp_w1', 'org_1ccfb819462') = kinde_claims_for('kp_w1') AS user_only;
-- A user event without an organizations list leaves memberships alone.
SELECT kinde_webhook_apply(jsonb_build_object('type', 'user.updated', 'event_id', 'event_u4',
    'timestamp', '2024-05-01T10:05:00Z', 'data', jsonb_build_object('user', jsonb_build_object('id', 'kp_w1')))) ->> 'result';
SELECT pg_temp.memberships('kp_w1');
-- Nor does a null list (read as none, never refused: a refusal would be retried for 72 hours).
SELECT kinde_webhook_apply(jsonb_build_object('type', 'user.updated', 'event_id', 'event_u4n',
    'timestamp', '2024-05-01T10:05:30Z', 'data', jsonb_build_object('user', jsonb_build_object('id', 'kp_w1', 'organizations', 'null'::jsonb)))) ->> 'result';
SELECT pg_temp.memberships('kp_w1');
-- An empty list removes them all.
SELECT kinde_webhook_apply(pg_temp.user_event('user.updated', 'event_u5', '2024-05-01T10:06:00Z', 'kp_w1', '{}')) ->> 'result';
SELECT pg_temp.memberships('kp_w1');

-- The history of membership changes from webhooks names the event.
SELECT kinde_id, org_code, source, event_id, new_claims FROM kinde_claims.claims_history
WHERE kinde_id = 'kp_w1' AND org_code IS NOT NULL ORDER BY id;

-- organization.deleted: the organization and its memberships go; a later organization.created
-- (Kinde does not keep order) or a user's list naming it does not bring it back.
SELECT kinde_webhook_apply(pg_temp.user_event('user.created', 'event_u6', '2024-05-01T10:07:00Z', 'kp_w2',
                                              ARRAY['org_1ccfb819462'])) ->> 'result';
SELECT kinde_organization_upsert('org_1ccfb819462', '{"tier": "gold"}');
SELECT kinde_webhook_apply(pg_temp.org_event('organization.deleted', 'event_o3', '2024-05-01T10:08:00Z', 'org_1ccfb819462')) - 'event_id';
-- The member's history names the webhook and its event, not the deletion function.
SELECT kinde_id, org_code, source, event_id, old_claims ->> 'tier' AS tier_before, new_claims ? 'tier' AS tier_after
FROM kinde_claims.claims_history WHERE kinde_id = 'kp_w2' AND org_code = 'org_1ccfb819462' ORDER BY id DESC LIMIT 1;
SELECT count(*) AS orgs, (SELECT count(*) FROM kinde_claims.memberships WHERE org_code = 'org_1ccfb819462') AS members
FROM kinde_claims.organizations WHERE org_code = 'org_1ccfb819462';
SELECT kinde_webhook_apply(pg_temp.org_event('organization.created', 'event_o4', '2024-05-01T10:09:00Z', 'org_1ccfb819462')) ->> 'result' AS after_delete;
SELECT kinde_webhook_apply(pg_temp.user_event('user.updated', 'event_u7', '2024-05-01T10:10:00Z', 'kp_w2',
                                              ARRAY['org_1ccfb819462', 'org_4'])) ->> 'result';
SELECT pg_temp.memberships('kp_w2');
SELECT count(*) AS orgs FROM kinde_claims.organizations WHERE org_code = 'org_1ccfb819462';
-- An older organization.updated than the last applied one is stale.
SELECT kinde_webhook_apply(pg_temp.org_event('organization.updated', 'event_o5', '2024-05-01T10:00:00Z', 'org_4')) ->> 'result';
SELECT kinde_webhook_apply(pg_temp.org_event('organization.updated', 'event_o6', '2024-04-01T10:00:00Z', 'org_4')) ->> 'result';

-- user.deleted removes the user's memberships.
SELECT kinde_webhook_apply(pg_temp.user_event('user.deleted', 'event_u8', '2024-05-01T10:11:00Z', 'kp_w2', NULL)) ->> 'result';
SELECT pg_temp.memberships('kp_w2');

-- Bad payloads: 22023, nothing recorded.
\set ON_ERROR_STOP 0
SELECT kinde_webhook_apply(jsonb_build_object('type', 'organization.created', 'event_id', 'event_b1',
    'timestamp', '2024-05-01T10:00:00Z', 'data', jsonb_build_object('organization', jsonb_build_object('name', 'x'))));
SELECT kinde_webhook_apply(pg_temp.org_event('organization.created', 'event_b2', '2024-05-01T10:00:00Z', 'org_a-b'));
SELECT kinde_webhook_apply(pg_temp.org_event('organization.deleted', 'event_b3', '2024-05-01T10:00:00Z', NULL));
SELECT kinde_webhook_apply(pg_temp.user_event('user.updated', 'event_b4', '2024-05-01T10:00:00Z', 'kp_w3',
                                              ARRAY['org_ok', 'org_bad code']));
SELECT kinde_webhook_apply(jsonb_build_object('type', 'user.updated', 'event_id', 'event_b5', 'timestamp', '2024-05-01T10:00:00Z',
    'data', jsonb_build_object('user', jsonb_build_object('id', 'kp_w3', 'organizations', '{"code": "org_x"}'::jsonb))));
SELECT kinde_webhook_apply(jsonb_build_object('type', 'user.updated', 'event_id', 'event_b6', 'timestamp', '2024-05-01T10:00:00Z',
    'data', jsonb_build_object('user', jsonb_build_object('id', 'kp_w3', 'organizations', '[{"code": 7}]'::jsonb))));
\set ON_ERROR_STOP 1
SELECT count(*) AS bad_events_recorded FROM kinde_claims.webhook_events WHERE event_id LIKE 'event_b%';
SELECT count(*) AS kp_w3 FROM kinde_claims.profiles WHERE kinde_id = 'kp_w3';

-- A user event lists at most 1,000 organizations (rules::kWebhookMaxOrganizations, the shim's
-- cap too): 1,000 are applied; 1,001 in a newer event are 22023 before anything is written, so
-- the memberships, the user's event time, the history and the event log stay as they were.
SELECT kinde_webhook_apply(pg_temp.user_event('user.created', 'event_c1', '2024-05-01T10:20:00Z', 'kp_w4',
    ARRAY(SELECT 'org_cap' || i FROM generate_series(1, 1000) i))) - 'event_id';
SELECT count(*) AS memberships, count(*) FILTER (WHERE org_code = 'org_cap1000') AS last_listed
FROM kinde_claims.memberships WHERE kinde_id = 'kp_w4';
-- A membership with claims, so that removing it would add a history entry.
SELECT kinde_membership_upsert('kp_w4', 'org_cap1', '{"seat": "admin"}');
SELECT count(*) AS history_before FROM kinde_claims.claims_history WHERE kinde_id = 'kp_w4' \gset
\set ON_ERROR_STOP 0
SELECT kinde_webhook_apply(pg_temp.user_event('user.updated', 'event_c2', '2024-05-01T10:21:00Z', 'kp_w4',
    ARRAY(SELECT 'org_cap' || i FROM generate_series(2, 1002) i)));
\set ON_ERROR_STOP 1
\echo SQLSTATE :SQLSTATE
SELECT count(*) AS memberships, count(*) FILTER (WHERE org_code = 'org_cap1') AS first_kept,
       count(*) FILTER (WHERE org_code IN ('org_cap1001', 'org_cap1002')) AS unlisted_added
FROM kinde_claims.memberships WHERE kinde_id = 'kp_w4';
SELECT last_event_time = '2024-05-01T10:20:00Z' AS user_time_kept, NOT deleted AS live
FROM kinde_claims.webhook_users WHERE kinde_id = 'kp_w4';
SELECT count(*) - :history_before AS history_added FROM kinde_claims.claims_history WHERE kinde_id = 'kp_w4';
SELECT count(*) AS c2_recorded FROM kinde_claims.webhook_events WHERE event_id = 'event_c2';

-- Pruning keeps deleted organizations' tombstones.
UPDATE kinde_claims.webhook_organizations SET applied_at = now() - interval '30 days';
SELECT kinde_webhook_prune() - 'webhook_events' - 'webhook_users';
SELECT org_code, deleted FROM kinde_claims.webhook_organizations ORDER BY 1;

DROP EXTENSION kinde_claims;
