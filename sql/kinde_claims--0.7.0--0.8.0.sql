-- kinde_claims 0.7.0 -> 0.8.0: the claims in Supabase's own access token, through Supabase Auth's
-- custom access token hook (docs/supabase-auth.md).
\echo Use "ALTER EXTENSION kinde_claims UPDATE TO '0.8.0'" to load this file. \quit

-- ---------------------------------------------------------------------------------------------
-- Supabase Auth's custom access token hook (FACTS.md §10-§11; access_token_hook.cpp). Auth calls
-- it as supabase_auth_admin (NOINHERIT, search_path = auth, no rights on kinde_claims), inside the
-- transaction that writes the session, under a 2 s statement_timeout, on every sign-in and every
-- refresh, and validates the claims it answers. It finds the user's Kinde id in auth.identities
-- (provider_id of the user's identity of the configured provider), never in user_metadata, which
-- users write themselves (§12); adds what kinde_claims_for answers as top-level claims; and never
-- replaces a claim Supabase sets or requires (§11): those names are left out and reported.
-- It reads through its owner's rights, never writes, and calls nothing outside the database.
-- A failure (no auth schema, an ambiguous or invalid identity, a lock held past lock_timeout,
-- the statement timeout) never escapes, since an uncaught error fails the sign-in with 500 (§10):
-- with kinde_claims.supabase_hook_on_error 'open' (the default) it answers the claims unchanged,
-- with 'closed' Auth's error object; both are reported with a WARNING (the server log). The
-- provider is kinde_claims.supabase_identity_provider ('custom:kinde'). A lock wait (VACUUM
-- FULL, DDL) fails after 500 ms, well inside Auth's 2 s, and the hook answers. No name is looked
-- up through search_path.
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.kinde_claims_access_token_hook(event jsonb)
    RETURNS jsonb
    AS 'MODULE_PATHNAME', 'kinde_claims_access_token_hook'
    LANGUAGE C STABLE SECURITY DEFINER;
COMMENT ON FUNCTION @extschema@.kinde_claims_access_token_hook(jsonb) IS
    'Supabase Auth custom access token hook: the event with the Kinde user''s claims (kinde_claims_for) added to claims, never replacing a claim Supabase sets; grant EXECUTE to supabase_auth_admin only';

-- ---------------------------------------------------------------------------------------------
-- Bulk reloads (docs/app-tables.md#truncate-and-other-writes-without-row-triggers). The projection
-- trigger functions also run as a statement-level BEFORE TRUNCATE trigger with the same arguments
-- (no SQL object changes for that: the C function accepts it): every row TRUNCATE removes loses
-- its claims as a DELETE would take them, through the same write path, history source
-- 'truncate'. The check and the repair find and fix what a write without row triggers left
-- behind (a TRUNCATE before the trigger existed, a disabled trigger, a detached or dropped
-- partition, a restore of a partial dump). SECURITY INVOKER: the app table is read with the
-- caller's privileges and row-level security (refused with 42501 where it applies); the stored
-- claims are read and written as the extension's tables' owner. Nobody but the owner may run
-- them until granted.
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.kinde_claims_projection_check(app_table regclass)
    RETURNS TABLE (trigger_name name, target text, id text, stored jsonb, projected jsonb)
    AS 'MODULE_PATHNAME', 'kinde_claims_projection_check'
    LANGUAGE C STABLE SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_claims_projection_check(regclass) IS
    'The users and organizations whose stored claims disagree with what the app table''s rows project through its projection triggers';
CREATE FUNCTION @extschema@.kinde_claims_projection_repair(app_table regclass)
    RETURNS TABLE (trigger_name name, target text, id text, stored jsonb, projected jsonb)
    AS 'MODULE_PATHNAME', 'kinde_claims_projection_repair'
    LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_claims_projection_repair(regclass) IS
    'Rewrites the claims kinde_claims_projection_check reports through the projection triggers'' own write path (history source repair); returns what it rewrote';

-- ---------------------------------------------------------------------------------------------
-- Nothing the primary does in normal operation may stop token reads on a hot standby. A VACUUM
-- (autovacuum's too) that finds empty pages at the end of a table truncates them under an ACCESS
-- EXCLUSIVE lock, held for a moment on the primary but replayed by every standby, where it waits
-- for every reader of the table (a pg_dump, a report left open) and every token call queues behind
-- it, until max_standby_streaming_delay cancels the reader (30 s by default, far past the token
-- role's 500 ms). Deleted profiles, pruned webhook state and history, removed memberships all
-- leave such tails. No table of the extension gives its empty tail back to the file system: the
-- pages are reused by later rows instead. Their TOAST tables (large claims, a history entry's
-- claims) the same, since a reader of a toasted value locks the TOAST table too. Only a
-- ShareUpdateExclusiveLock, which a standby does not replay. What still takes that lock (VACUUM
-- FULL, CLUSTER, REINDEX without CONCURRENTLY, DDL) is the operator's: docs/scaling-out.md.
-- ---------------------------------------------------------------------------------------------
ALTER TABLE kinde_claims.profiles SET (vacuum_truncate = false, toast.vacuum_truncate = false);
ALTER TABLE kinde_claims.organizations SET (vacuum_truncate = false, toast.vacuum_truncate = false);
ALTER TABLE kinde_claims.memberships SET (vacuum_truncate = false, toast.vacuum_truncate = false);
ALTER TABLE kinde_claims.claims_history SET (vacuum_truncate = false, toast.vacuum_truncate = false);
ALTER TABLE kinde_claims.webhook_events SET (vacuum_truncate = false, toast.vacuum_truncate = false);
ALTER TABLE kinde_claims.webhook_users SET (vacuum_truncate = false, toast.vacuum_truncate = false);
ALTER TABLE kinde_claims.webhook_organizations SET (vacuum_truncate = false, toast.vacuum_truncate = false);

-- ---------------------------------------------------------------------------------------------
-- Every table replicates cheaply with logical replication. The claims history had no key since
-- 0.6.0 and REPLICA IDENTITY FULL, so a subscriber found the row of each replicated UPDATE (sync's
-- leases and marks) and DELETE (the prune) by reading the whole table: 100 s to apply sync's
-- marks of 4,500 entries at 100,000 entries, 0.2 s with the key (bench/logical). A primary key on
-- id, the replica identity a subscriber probes (every other table has had its key from the start). The direct writer fills it like the
-- unpushed index: a new entry's id is the largest yet, so it lands on the rightmost leaf, which
-- Postgres keeps cached for such inserts. The index is built under a SHARE lock (writes of the
-- history wait, reads go on) and made the key under a brief ACCESS EXCLUSIVE one.
-- ---------------------------------------------------------------------------------------------
CREATE UNIQUE INDEX claims_history_pkey ON kinde_claims.claims_history (id);
ALTER TABLE kinde_claims.claims_history ADD CONSTRAINT claims_history_pkey PRIMARY KEY USING INDEX claims_history_pkey;
ALTER TABLE kinde_claims.claims_history REPLICA IDENTITY DEFAULT;

-- ---------------------------------------------------------------------------------------------
-- No routine named like an API function, in any schema. PostgREST looks a call up in one schema:
-- the profile header's, else the first of db-schemas. With the extension in `api` and db-schemas
-- starting with `public` (Supabase's order), a public.kinde_claims_for answered every token call
-- that came without Accept-Profile: api, claims and lifetime_subscriber of its choosing. The guard
-- of 0.4.0 covered only the extension's schema; it now refuses such a routine in every schema
-- (CREATE, RENAME TO, SET SCHEMA, another extension's script), for every role, while the
-- extension is installed. Routines made before the install or this upgrade are reported, never
-- dropped: docs/security.md.
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION kinde_claims.refuse_api_overloads() RETURNS event_trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    clash record;
BEGIN
    FOR clash IN
        WITH extension AS (
            SELECT e.oid, e.extnamespace FROM pg_extension e WHERE e.extname = 'kinde_claims'
        ), members AS (
            SELECT d.objid FROM pg_depend d JOIN extension e ON d.refobjid = e.oid
            WHERE d.refclassid = 'pg_extension'::regclass AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
        ), commands AS (
            SELECT c.classid, c.objid FROM pg_event_trigger_ddl_commands() c
        ), touched AS (
            SELECT c.objid FROM commands c WHERE c.classid = 'pg_proc'::regclass
            UNION
            -- ALTER EXTENSION ... SET SCHEMA moves that extension's routines without naming them.
            SELECT d.objid FROM commands c
            JOIN pg_depend d ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = c.objid
                AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
            WHERE c.classid = 'pg_extension'::regclass
        )
        SELECT p.oid::regprocedure::text AS routine, api.oid::regprocedure::text AS api_function,
               p.pronamespace::regnamespace::text AS schema_name,
               p.pronamespace = api.pronamespace AS same_schema
        FROM touched t
        JOIN pg_proc p ON p.oid = t.objid
        JOIN extension e ON true
        JOIN pg_proc api ON api.pronamespace = e.extnamespace AND api.proname = p.proname AND api.oid <> p.oid
        WHERE api.oid IN (SELECT objid FROM members) AND p.oid NOT IN (SELECT objid FROM members)
        ORDER BY 1, 2
        LIMIT 1
    LOOP
        IF clash.same_schema THEN
            RAISE EXCEPTION USING ERRCODE = '42723',
                MESSAGE = format('%s would share its name with kinde_claims''s API function %s',
                                 clash.routine, clash.api_function),
                DETAIL = 'PostgREST matches an RPC call by function name and argument names and answers 300 PGRST203 '
                         'when two functions could take it: every token call would lose its claims.',
                HINT = format('Create it in a schema other than %s, or give it another name.', clash.schema_name);
        END IF;
        RAISE EXCEPTION USING ERRCODE = '42723',
            MESSAGE = format('%s would be named like kinde_claims''s API function %s',
                             clash.routine, clash.api_function),
            DETAIL = 'PostgREST looks a call up in the schema of the profile header, else the first schema it exposes: '
                     'a routine of that name there would answer the product''s calls instead of the extension.',
            HINT = 'Give it another name, or drop the extension first.';
    END LOOP;
END
$$;
COMMENT ON FUNCTION kinde_claims.refuse_api_overloads() IS
    'Event trigger: refuses a routine named like an API function in any schema';

-- Report what is there already (the 0.4.0 script reported the extension's own schema).
DO $$
DECLARE
    named_like text;
BEGIN
    SELECT string_agg(p.oid::regprocedure::text, ', ' ORDER BY p.oid::regprocedure::text) INTO named_like
      FROM pg_proc p
      JOIN pg_extension e ON e.extname = 'kinde_claims' AND p.pronamespace <> e.extnamespace
     WHERE NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                         AND d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid AND d.deptype = 'e')
       AND p.proname IN (SELECT m.proname FROM pg_proc m JOIN pg_depend d ON d.classid = 'pg_proc'::regclass
                           AND d.objid = m.oid AND d.refobjid = e.oid AND d.deptype = 'e'
                          WHERE m.pronamespace = e.extnamespace);
    IF named_like IS NOT NULL THEN
        RAISE WARNING 'routines in other schemas are named like kinde_claims''s API functions: %', named_like
            USING DETAIL = 'PostgREST answers a call from the first schema it exposes, or the profile header''s, that has the name.',
                  HINT = 'Drop or rename them; new ones are now refused in every schema.';
    END IF;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- sync tells Kinde only once the standbys that serve tokens have the change (docs/sync.md#tokens-
-- served-by-standbys). Kinde rebuilds a token right after refresh_claims; from a standby that has
-- not replayed the change yet it would cache the old claims for good. The lease now answers
-- wait_lsn (an LSN past the commit of every entry it leased, only when it leased users), and
-- kinde_claims_changes_lag answers "standbys": how far each physical standby streaming from this
-- server has replayed (pg_stat_replication, read with the owner's rights; logical subscribers
-- and pg_basebackup are left out). sync waits until every one has passed wait_lsn, up to a
-- bound. The same arguments, checks and answer otherwise.
-- ---------------------------------------------------------------------------------------------
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

-- ---------------------------------------------------------------------------------------------
-- A token issued without its claims does not stay that way (docs/workflow.md#fail-open-fail-closed).
-- When the token workflow's claims call fails and it fails open, Kinde caches a token without the
-- claims and nothing in Kinde changes to rebuild it. The workflow then reports the user to
-- `kinde-claims-shim serve` (it cannot write to a failing database itself), which keeps the
-- report in a file until the database answers and then calls this function: one history entry
-- per user, source 'failopen', old_claims {} (what the issued token carried), new_claims what
-- kinde_claims_for answers now. The entry is unpushed, so `sync` calls refresh_claims for the
-- user like for any other change. Reading the claims here means the entry lands only once the
-- lookup that failed can succeed (a lock still held makes this call wait and fail, and the shim
-- retries). Malformed ids are skipped and counted, never an error, so one bad entry cannot hold
-- the shim's queue; an org code that is not one is dropped and the user recorded without it.
-- Not on the token path: the token path stays read-only.
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.kinde_claims_failopen_record(entries jsonb)
    RETURNS jsonb
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    entry jsonb;
    user_id text;
    org text;
    recorded bigint := 0;
    skipped bigint := 0;
    writer text := nullif(pg_catalog.current_setting('role'), 'none');
    jwt text;
BEGIN
    IF entries IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'entries must not be null';
    END IF;
    IF pg_catalog.jsonb_typeof(entries) <> 'array' OR pg_catalog.jsonb_array_length(entries) > 1000 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'entries must be a JSON array of at most 1000 objects';
    END IF;
    BEGIN
        jwt := pg_catalog.current_setting('request.jwt.claims', true)::jsonb ->> 'role';
    EXCEPTION WHEN OTHERS THEN
        jwt := NULL;
    END;
    FOR entry IN SELECT e FROM pg_catalog.jsonb_array_elements(entries) AS e LOOP
        user_id := CASE WHEN pg_catalog.jsonb_typeof(entry -> 'user_id') = 'string' THEN entry ->> 'user_id' END;
        IF user_id IS NULL OR user_id !~ '^kp_[A-Za-z0-9]{1,64}$' THEN
            skipped := skipped + 1;
            CONTINUE;
        END IF;
        org := CASE WHEN pg_catalog.jsonb_typeof(entry -> 'org_code') = 'string' THEN entry ->> 'org_code' END;
        IF org IS NOT NULL AND org !~ '^org_[A-Za-z0-9]{1,64}$' THEN
            org := NULL;
        END IF;
        INSERT INTO kinde_claims.claims_history (kinde_id, source, actor, jwt_role, old_claims, new_claims, org_code)
        VALUES (user_id, 'failopen', coalesce(writer, session_user), jwt, '{}'::jsonb,
                @extschema@.kinde_claims_for(user_id, org), org);
        recorded := recorded + 1;
    END LOOP;
    RETURN pg_catalog.jsonb_build_object('recorded', recorded, 'skipped', skipped);
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_claims_failopen_record(jsonb) IS
    'Records users who were issued a token without claims (the workflow failed open) as history entries (source failopen), so sync has Kinde rebuild their tokens; called by kinde-claims-shim serve';

-- Every version's script ends by taking default privileges off the objects it created.
SELECT kinde_claims.revoke_default_privileges();
