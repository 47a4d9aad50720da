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
