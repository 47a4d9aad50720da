-- The claims history: one entry per committed change of what a user's token carries, from every
-- write path, with its source and actor; nothing for a write that changes no token or rolls back.
CREATE EXTENSION kinde_claims;
\set SHOW_CONTEXT never
CREATE ROLE regress_kc_hist_admin;  -- a direct writer of the table: owner-like, but not the owner

-- A user's history as kinde_claims_history returns it, without the times.
CREATE FUNCTION pg_temp.history(user_id text) RETURNS TABLE (source text, detail text, actor text,
        jwt_role text, old_claims jsonb, new_claims jsonb, outcome text)
    LANGUAGE sql AS $$
    SELECT h.source, coalesce(h.event_id, h.app_table), h.actor, h.jwt_role, h.old_claims, h.new_claims,
           coalesce(h.push_outcome, CASE WHEN h.pushed_at IS NULL THEN 'unpushed' END)
    FROM kinde_claims_history(user_id) h
$$;
CREATE FUNCTION pg_temp.entries() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM kinde_claims.claims_history';

-- upsert: a new default profile carries what an unknown user's token carries: no entry.
SELECT kinde_profile_upsert('kp_h1');
SELECT pg_temp.entries();
-- A real change: one entry, before and after as kinde_claims_for returned them.
SELECT kinde_claims_for('kp_h1') AS before;
SELECT kinde_profile_upsert('kp_h1', true, '{"plan": "pro", "seats": 2.0}');
SELECT source, detail, actor = current_user AS actor_is_session_role, jwt_role, old_claims, new_claims, outcome
FROM pg_temp.history('kp_h1');
-- The same values again, and equal JSON written differently (2.0 and 2): no entry.
SELECT kinde_profile_upsert('kp_h1', true, '{"seats": 2, "plan": "pro"}');
UPDATE kinde_claims.profiles SET updated_at = now() WHERE kinde_id = 'kp_h1';
SELECT pg_temp.entries();
-- Newest first.
SELECT kinde_profile_upsert('kp_h1', NULL, '{"plan": "team"}');
SELECT source, old_claims, new_claims FROM pg_temp.history('kp_h1');

-- delete: the user's token falls back to the defaults; deleting a missing or default profile adds nothing.
SELECT kinde_profile_delete('kp_h1');
SELECT kinde_profile_delete('kp_h1');
SELECT kinde_profile_upsert('kp_h2');
SELECT kinde_profile_delete('kp_h2');
SELECT source, old_claims, new_claims FROM pg_temp.history('kp_h1') LIMIT 1;
SELECT count(*) AS kp_h2_entries FROM kinde_claims_history('kp_h2');

-- Rolled back: nothing, whether the transaction or a savepoint rolls back.
BEGIN;
SELECT kinde_profile_upsert('kp_h3', true);
ROLLBACK;
BEGIN;
SAVEPOINT s;
SELECT kinde_profile_upsert('kp_h3', true);
ROLLBACK TO SAVEPOINT s;
SELECT kinde_profile_upsert('kp_h3', NULL, '{"plan": "free"}');
COMMIT;
SELECT source, old_claims, new_claims FROM pg_temp.history('kp_h3');

-- A write that fails while its source is set leaves no stale source behind: the next direct
-- write is "sql", after a failed statement and after a rolled-back savepoint.
CREATE FUNCTION pg_temp.refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.claims ? 'boom' THEN
        RAISE EXCEPTION 'boom refused';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER refuse_boom BEFORE INSERT OR UPDATE ON kinde_claims.profiles
    FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse_boom();
SELECT kinde_profile_upsert('kp_h4', true, '{"boom": 1}');
UPDATE kinde_claims.profiles SET lifetime_subscriber = true WHERE kinde_id = 'kp_h3';
BEGIN;
SAVEPOINT s;
SELECT kinde_profile_upsert('kp_h3', false, '{"boom": 1}');
ROLLBACK TO SAVEPOINT s;
UPDATE kinde_claims.profiles SET claims = '{"plan": "pro"}' WHERE kinde_id = 'kp_h3';
COMMIT;
DROP TRIGGER refuse_boom ON kinde_claims.profiles;
SELECT source, old_claims, new_claims FROM pg_temp.history('kp_h3') LIMIT 2;
SELECT count(*) AS kp_h4_entries FROM kinde_claims_history('kp_h4');

-- sql: a direct write, by a role other than the owner that may write the table. The entry is
-- still written (as the owner), and the actor is the writer (its SET ROLE is the writing
-- transaction's own; one left by an earlier transaction is not, below).
GRANT USAGE ON SCHEMA kinde_claims TO regress_kc_hist_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON kinde_claims.profiles TO regress_kc_hist_admin;
ALTER ROLE regress_kc_hist_admin BYPASSRLS;
BEGIN;
SET ROLE regress_kc_hist_admin;
INSERT INTO kinde_claims.profiles (kinde_id, claims) VALUES ('kp_h5', '{"plan": "pro"}');
-- A profile moved to another user: the old id falls back to the defaults, the new one gets it.
UPDATE kinde_claims.profiles SET kinde_id = 'kp_h6' WHERE kinde_id = 'kp_h5';
COMMIT;
SELECT count(*) FROM kinde_claims.claims_history;  -- the history itself stays the owner's
RESET ROLE;
SELECT source, actor, old_claims, new_claims FROM pg_temp.history('kp_h5');
SELECT source, actor, old_claims, new_claims FROM pg_temp.history('kp_h6');
REVOKE ALL ON kinde_claims.profiles FROM regress_kc_hist_admin;
REVOKE ALL ON SCHEMA kinde_claims FROM regress_kc_hist_admin;

-- COPY into the table is what pg_restore runs: the restored rows bring their history along,
-- so the COPY adds none.
COPY kinde_claims.profiles (kinde_id, lifetime_subscriber, claims) FROM stdin;
kp_h7	t	{"plan": "pro"}
\.
SELECT kinde_claims_for('kp_h7'), (SELECT count(*) FROM kinde_claims_history('kp_h7')) AS entries;

-- webhook, with its event_id: user.created makes a default profile (no entry), user.deleted
-- of a subscriber is a change.
SELECT kinde_webhook_apply('{"type": "user.created", "event_id": "event_h1", "timestamp": "2024-05-01T10:00:00Z",
                             "data": {"user": {"id": "kp_h8"}}}') ->> 'profile' AS profile;
SELECT kinde_profile_upsert('kp_h8', true);
SELECT kinde_webhook_apply('{"type": "user.deleted", "event_id": "event_h2", "timestamp": "2024-05-01T10:01:00Z",
                             "data": {"user": {"id": "kp_h8"}}}') ->> 'profile' AS profile;
SELECT source, detail, old_claims, new_claims FROM pg_temp.history('kp_h8');

-- trigger, with the app table's name; a write of the app table that changes no claim adds nothing.
CREATE SCHEMA "App";
CREATE TABLE "App".purchases (kinde_user_id text PRIMARY KEY, lifetime boolean, plan_code text);
CREATE TRIGGER purchases_claims AFTER INSERT OR UPDATE OR DELETE ON "App".purchases
    FOR EACH ROW EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id', 'lifetime_subscriber=lifetime', 'plan=plan_code');
INSERT INTO "App".purchases VALUES ('kp_h9', true, 'pro');
UPDATE "App".purchases SET plan_code = 'pro';
DELETE FROM "App".purchases;
SELECT source, detail, old_claims, new_claims FROM pg_temp.history('kp_h9');
-- A COPY into the app table is a change like any other (only a COPY into kinde_claims.profiles
-- itself is a restore): recorded, with the app table.
COPY "App".purchases FROM stdin;
kp_h9c	t	team
\.
SELECT source, detail, old_claims, new_claims FROM pg_temp.history('kp_h9c');

-- import: only the profiles it changed.
CREATE TABLE public.old_profiles (id serial, kinde_id text, lifetime_subscriber boolean);
INSERT INTO public.old_profiles (kinde_id, lifetime_subscriber) VALUES ('kp_h10', true), ('kp_h11', false), ('kp_h7', true);
SELECT kinde_claims_import('public.old_profiles');
SELECT kinde_id, h.source, h.old_claims, h.new_claims
FROM unnest(ARRAY['kp_h10', 'kp_h11', 'kp_h7']) kinde_id, LATERAL kinde_claims_history(kinde_id) h;
DROP TABLE public.old_profiles;

-- Through PostgREST (FACTS.md §3; see postgrest_contract.sql): the session is the login role,
-- the request's role is set with set_config('role', ..., true) and the JWT's claims in
-- request.jwt.claims. The actor is the request's role; the JWT's role is kept beside it.
CREATE ROLE regress_kc_hist_authenticator NOINHERIT;
CREATE ROLE regress_kc_hist_writer NOLOGIN NOINHERIT;
GRANT regress_kc_hist_writer TO regress_kc_hist_authenticator;
GRANT EXECUTE ON FUNCTION kinde_profile_upsert(text, boolean, jsonb) TO regress_kc_hist_writer;
SET SESSION AUTHORIZATION regress_kc_hist_authenticator;
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"public", "public"', true) IS NOT NULL AS search_path,
       set_config('role', 'regress_kc_hist_writer', true) AS role,
       set_config('request.jwt.claims', '{"role":"regress_kc_hist_writer","sub":"backend"}', true) IS NOT NULL AS claims,
       set_config('request.method', 'POST', true) AS method;
SELECT "public"."kinde_profile_upsert"("kinde_id" := 'kp_h12', "lifetime_subscriber" := true);
COMMIT;
-- A JWT whose claims carry no role, and one whose claims are not an object.
BEGIN;
SELECT set_config('role', 'regress_kc_hist_writer', true), set_config('request.jwt.claims', '{"sub": "x"}', true);
SELECT kinde_profile_upsert('kp_h12', NULL, '{"n": 1}');
SELECT set_config('request.jwt.claims', '[1]', true);
SELECT kinde_profile_upsert('kp_h12', NULL, '{"n": 2}');
COMMIT;
-- Claims that are not JSON at all: the write fails whole (22P02). Its context, saying where the
-- error came from, differs between the editions: edition_error_context.
BEGIN;
SELECT set_config('role', 'regress_kc_hist_writer', true), set_config('request.jwt.claims', '{"role":', true);
SELECT kinde_profile_upsert('kp_h12', NULL, '{"n": 3}');
ROLLBACK;
RESET SESSION AUTHORIZATION;
SELECT source, actor, jwt_role, new_claims FROM pg_temp.history('kp_h12');

-- Privileges: after CREATE EXTENSION only the owner may read the history, prune it, or use the
-- feed; the feed's role, once granted as the README says, gets the feed and nothing else.
CREATE ROLE regress_kc_hist_sync NOLOGIN NOINHERIT;
SELECT f AS function,
       has_function_privilege('regress_kc_hist_writer', f, 'EXECUTE') AS writer,
       has_function_privilege('regress_kc_hist_sync', f, 'EXECUTE') AS sync
FROM unnest(ARRAY['kinde_claims_history(text)', 'kinde_claims_history_prune(interval)',
                  'kinde_claims_changes_lease(text,integer,integer)',
                  'kinde_claims_changes_done(bigint,text,text,integer)', 'kinde_claims_changes_lag()']) f;
GRANT EXECUTE ON FUNCTION kinde_claims_changes_lease(text, integer, integer),
                          kinde_claims_changes_done(bigint, text, text, integer),
                          kinde_claims_changes_lag() TO regress_kc_hist_sync;
SET ROLE regress_kc_hist_sync;
SELECT kinde_claims_changes_lag() ->> 'unpushed' AS unpushed;
SELECT * FROM kinde_claims_history('kp_h12');
SELECT kinde_claims_history_prune();
SELECT count(*) FROM kinde_claims.claims_history;
RESET ROLE;
SET ROLE regress_kc_hist_writer;
SELECT kinde_claims_changes_lease('w');
SELECT * FROM kinde_claims_history('kp_h12');
RESET ROLE;

-- The feed, in one session (concurrency: test/specs/claims_feed.spec). Oldest unpushed change first,
-- all of a user's entries under one lease.
SELECT kinde_claims_changes_lag() - 'oldest_unpushed_at' - 'lag_seconds' AS lag;
SELECT (kinde_claims_changes_lag() ->> 'lag_seconds')::numeric > 0 AS behind;
CREATE TEMP TABLE lease AS SELECT kinde_claims_changes_lease('w1', 3, 30) AS l;
SELECT jsonb_typeof(l -> 'lease_id') AS lease_id, jsonb_path_query_array(l, '$.users[*].user_id') AS users,
       jsonb_path_query_array(l, '$.users[*].changes') AS changes FROM lease;
-- The next lease skips users under a live lease.
SELECT jsonb_path_query_array(kinde_claims_changes_lease('w2', 2), '$.users[*].user_id') AS users;
-- done: refreshed marks that user's leased entries pushed; another lease id or user marks nothing.
SELECT kinde_claims_changes_done((SELECT (l ->> 'lease_id')::bigint FROM lease), 'kp_h1', 'refreshed', 200);
SELECT kinde_claims_changes_done((SELECT (l ->> 'lease_id')::bigint FROM lease), 'kp_h1', 'refreshed', 200);
SELECT kinde_claims_changes_done(-1, 'kp_h3', 'refreshed');
SELECT kinde_claims_changes_done((SELECT (l ->> 'lease_id')::bigint FROM lease), 'kp_h3', 'rejected', 404);
-- retry gives the entries back at once: the next lease takes them again (oldest first).
SELECT kinde_claims_changes_done((SELECT (l ->> 'lease_id')::bigint FROM lease), 'kp_h5', 'retry');
SELECT jsonb_path_query_array(kinde_claims_changes_lease('w3', 1), '$.users[*].user_id') AS users;
SELECT outcome, count(*) FROM pg_temp.history('kp_h1') GROUP BY 1
UNION ALL SELECT outcome, count(*) FROM pg_temp.history('kp_h3') GROUP BY 1 ORDER BY 1;
SELECT push_http_status FROM kinde_claims.claims_history WHERE push_outcome = 'rejected';
-- A change made after a lease is not under it: done for that lease leaves it unpushed.
CREATE TEMP TABLE lease2 AS SELECT kinde_claims_changes_lease('w4', 1000) AS l;
SELECT kinde_profile_upsert('kp_h9', true);
-- While kp_h9 has entries under a live lease, its new one waits: no second sync calls for it.
SELECT kinde_claims_changes_lease('w4b', 1000) AS nothing_while_leased;
SELECT kinde_claims_changes_done((SELECT (l ->> 'lease_id')::bigint FROM lease2), 'kp_h9', 'refreshed', 200);
SELECT outcome, count(*) FROM pg_temp.history('kp_h9') GROUP BY 1 ORDER BY 1;
-- Once every other user of that lease is pushed, the next lease holds just the late change;
-- after that there is nothing to lease (the other users' entries are under live leases).
SELECT sum((kinde_claims_changes_done((SELECT (l ->> 'lease_id')::bigint FROM lease2), u #>> '{}', 'refreshed', 200)
            ->> 'entries')::int) AS marked
FROM jsonb_path_query((SELECT l FROM lease2), '$.users[*].user_id') u WHERE u #>> '{}' <> 'kp_h9';
SELECT jsonb_path_query_array(l, '$.users[*].user_id') AS users, jsonb_path_query_array(l, '$.users[*].changes') AS changes,
       (l #>> '{users,0,oldest_changed_at}')::timestamptz = (SELECT max(changed_at) FROM kinde_claims.claims_history) AS oldest_changed_at
FROM kinde_claims_changes_lease('w5', 1000) l;
SELECT kinde_claims_changes_lease('w6', 1000) AS nothing;
-- A lease picks its users from a window of the oldest unleased entries (ten per user asked
-- for), and takes every unpushed entry of those users: kp_many's 25 changes go under one lease
-- of one user, though the window holds only 10 of them; kp_after, behind them, in the next.
SELECT count(*) AS upserts FROM (SELECT kinde_profile_upsert('kp_many', i % 2 = 1) FROM generate_series(1, 25) i) s;
SELECT kinde_profile_upsert('kp_after', true);
CREATE TEMP TABLE lease3 AS SELECT kinde_claims_changes_lease('w7', 1) AS l;
SELECT jsonb_path_query_array(l, '$.users[*].user_id') AS users, jsonb_path_query_array(l, '$.users[*].changes') AS changes
FROM lease3;
SELECT jsonb_path_query_array(l, '$.users[*].user_id') AS users, jsonb_path_query_array(l, '$.users[*].changes') AS changes
FROM kinde_claims_changes_lease('w8', 1000) l;
SELECT kinde_claims_changes_done((SELECT (l ->> 'lease_id')::bigint FROM lease3), 'kp_many', 'refreshed', 200) AS marked;

-- Bad arguments: 22004 for NULL, 22023 out of range, and nothing leased or marked.
\set VERBOSITY sqlstate
SELECT kinde_claims_changes_lease(NULL);
SELECT kinde_claims_changes_lease('');
SELECT kinde_claims_changes_lease(repeat('w', 129));
SELECT kinde_claims_changes_lease('w', 0);
SELECT kinde_claims_changes_lease('w', 1001);
SELECT kinde_claims_changes_lease('w', 10, 0);
SELECT kinde_claims_changes_lease('w', 10, 3601);
SELECT kinde_claims_changes_done(NULL, 'kp_h9', 'refreshed');
SELECT kinde_claims_changes_done(1, 'kp_h9', 'pushed');
SELECT kinde_claims_changes_done(1, 'kp_h9', 'refreshed', 99);
SELECT kinde_claims_changes_done(1, 'kp_h9', 'refreshed', 600);
SELECT kinde_claims_history(NULL);
SELECT kinde_claims_history_prune(NULL);
SELECT kinde_claims_history_prune('-1 day');
\set VERBOSITY default
SELECT * FROM kinde_claims_history('not a kinde id');

-- Retention: only pushed (or rejected) entries older than the cutoff go; unpushed ones stay,
-- however old.
UPDATE kinde_claims.claims_history SET changed_at = changed_at - interval '100 days';
SELECT count(*) FILTER (WHERE pushed_at IS NULL) AS unpushed, count(*) FILTER (WHERE pushed_at IS NOT NULL) AS pushed
FROM kinde_claims.claims_history;
SELECT kinde_claims_history_prune('101 days');
SELECT kinde_claims_history_prune();
SELECT count(*) FILTER (WHERE pushed_at IS NULL) AS unpushed, count(*) FILTER (WHERE pushed_at IS NOT NULL) AS pushed
FROM kinde_claims.claims_history;

-- org_code: the organization an entry was for, in both halves of a user's history (pushed and
-- unpushed). A membership's change and an organization's change (one entry per member) carry
-- the organization's code; a profile's change carries none, member or not.
SELECT kinde_profile_upsert('kp_h13', NULL, '{"plan": "pro"}');
SELECT kinde_organization_upsert('org_h13', '{"tier": "gold"}');
SELECT kinde_membership_upsert('kp_h13', 'org_h13', '{"seat": 1}');
SELECT kinde_membership_upsert('kp_h13b', 'org_h13');
SELECT kinde_claims_changes_done((kinde_claims_changes_lease('w9', 1000) ->> 'lease_id')::bigint, 'kp_h13', 'refreshed', 200);
SELECT kinde_organization_upsert('org_h13', '{"tier": "platinum"}');
SELECT kinde_profile_upsert('kp_h13', true);
SELECT kinde_organization_upsert('org_h13b', '{}');
SELECT kinde_membership_upsert('kp_h13', 'org_h13b', '{"seat": 2}');
SELECT kinde_membership_delete('kp_h13', 'org_h13');
SELECT source, org_code, old_claims, new_claims, push_outcome FROM kinde_claims_history('kp_h13');
SELECT source, org_code, new_claims, push_outcome FROM kinde_claims_history('kp_h13b');
-- Every entry's org_code as the table holds it, for every user, in the function's order.
SELECT count(*) AS users_whose_org_codes_differ
FROM (SELECT DISTINCT kinde_id FROM kinde_claims.claims_history) u
WHERE (SELECT array_agg(h.org_code ORDER BY h.ordinality) FROM kinde_claims_history(u.kinde_id) WITH ORDINALITY h)
      IS DISTINCT FROM (SELECT array_agg(t.org_code::text ORDER BY t.id DESC) FROM kinde_claims.claims_history t WHERE t.kinde_id = u.kinde_id);
-- org_code is the last column: 0.6.0's ten come first, in their order.
SELECT pg_get_function_result('kinde_claims_history(text)'::regprocedure);

DROP SCHEMA "App" CASCADE;
DROP EXTENSION kinde_claims;
DROP ROLE regress_kc_hist_sync, regress_kc_hist_writer, regress_kc_hist_authenticator, regress_kc_hist_admin;
