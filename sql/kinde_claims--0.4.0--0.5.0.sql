-- kinde_claims 0.4.0 -> 0.5.0: the claims history (the audit trail) and the feed `sync` reads to
-- tell Kinde that a user's token changed.
\echo Use "ALTER EXTENSION kinde_claims UPDATE TO '0.5.0'" to load this file. \quit

-- Replaced before anything else, in every update script: the earlier body revoked every grant on
-- the extension's objects, so each ALTER EXTENSION ... UPDATE silently took away the operator's
-- grants (the workflow's EXECUTE on kinde_claims_for among them). It now takes away only PUBLIC's
-- default EXECUTE and grants that default privileges (ALTER DEFAULT PRIVILEGES) gave, and revokes
-- from PUBLIC only where PUBLIC holds something (each REVOKE in an extension script records the
-- ACL as initial privileges, and an operator's grant recorded there would not be dumped).
CREATE OR REPLACE FUNCTION kinde_claims.revoke_default_privileges() RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target record;
    grantee oid;
BEGIN
    FOR target IN
        WITH member AS (
            SELECT d.classid, d.objid FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
            WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND e.extname = 'kinde_claims')
        SELECT 'FUNCTION ' || p.oid::regprocedure AS object, p.proacl AS acl, p.proowner AS owner
        FROM member m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
        UNION ALL
        SELECT 'TABLE ' || c.oid::regclass, c.relacl, c.relowner
        FROM member m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
        UNION ALL
        SELECT 'SCHEMA ' || quote_ident(n.nspname), n.nspacl, n.nspowner
        FROM member m JOIN pg_namespace n ON m.classid = 'pg_namespace'::regclass AND n.oid = m.objid
    LOOP
        -- Only where there is something to take: inside an extension script every REVOKE also
        -- records the object's ACL as the extension's initial privileges, and an administrator's
        -- grant recorded there would no longer be dumped by pg_dump.
        IF target.acl IS NULL OR EXISTS (SELECT FROM aclexplode(target.acl) a WHERE a.grantee = 0) THEN
            EXECUTE format('REVOKE ALL ON %s FROM PUBLIC', target.object);
        END IF;
        FOR grantee IN
            SELECT DISTINCT a.grantee FROM aclexplode(target.acl) a
            WHERE a.grantee <> 0 AND a.grantee <> target.owner
              AND EXISTS (SELECT FROM pg_default_acl d, aclexplode(d.defaclacl) g
                          WHERE d.defaclrole = target.owner AND g.grantee = a.grantee)
        LOOP
            EXECUTE format('REVOKE ALL ON %s FROM %I', target.object, pg_get_userbyid(grantee));
        END LOOP;
    END LOOP;
END
$$;


-- One row per committed change of what a user's token carries, written by the AFTER row trigger
-- on kinde_claims.profiles in the writer's transaction (so a rollback leaves none). It is also
-- the outbox of `kinde-claims-shim sync`: pushed_at stays NULL until Kinde's cache of the user's
-- claims was invalidated (or Kinde rejected the user).
CREATE TABLE kinde_claims.claims_history (
    id bigint GENERATED ALWAYS AS IDENTITY,
    kinde_id text COLLATE "C" NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    source text COLLATE "C" NOT NULL,
    event_id text COLLATE "C",
    app_table text,
    actor text NOT NULL,
    jwt_role text,
    old_claims jsonb NOT NULL,
    new_claims jsonb NOT NULL,
    lease_id bigint,
    leased_until timestamptz,
    lease_worker text,
    pushed_at timestamptz,
    push_outcome text COLLATE "C",
    push_http_status integer,
    -- A user's history in order: what kinde_claims_history reads, newest first.
    CONSTRAINT claims_history_pkey PRIMARY KEY (kinde_id, id)
    -- No CHECK constraints: Postgres parses them again for every INSERT statement, which doubled
    -- the history's cost on the write path. Only the trigger (source: upsert, delete, webhook
    -- with event_id, trigger with app_table, import, sql) and the feed's functions (push_outcome
    -- refreshed or rejected, with pushed_at) write it.
);
-- What the feed reads: only the entries not pushed yet, so it stays small whatever the history's size.
CREATE INDEX claims_history_unpushed_idx ON kinde_claims.claims_history (kinde_id, id) WHERE pushed_at IS NULL;
COMMENT ON TABLE kinde_claims.claims_history IS
    'Every committed change of what a user''s token carries: who, what, when, from which path; the outbox of kinde-claims-shim sync';

-- Lease ids are dumped too: a restored database must not hand out a lease id its rows already carry.
CREATE SEQUENCE kinde_claims.claims_lease_id_seq;

ALTER TABLE kinde_claims.claims_history ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('kinde_claims.claims_history', '');
SELECT pg_catalog.pg_extension_config_dump('kinde_claims.claims_history_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('kinde_claims.claims_lease_id_seq', '');

-- Not on any hot path: plain SQL, with the search_path pinned and the tables schema-qualified.
CREATE FUNCTION @extschema@.kinde_claims_history(user_id text)
    RETURNS TABLE (changed_at timestamptz, source text, actor text, old_claims jsonb, new_claims jsonb,
                   event_id text, app_table text, jwt_role text, pushed_at timestamptz, push_outcome text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF user_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'user_id must not be null';
    END IF;
    RETURN QUERY
        SELECT h.changed_at, h.source::text, h.actor, h.old_claims, h.new_claims, h.event_id::text,
               h.app_table, h.jwt_role, h.pushed_at, h.push_outcome::text
        FROM kinde_claims.claims_history h
        WHERE h.kinde_id = user_id COLLATE "C"
        ORDER BY h.id DESC;
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_claims_history(text) IS
    'A user''s token changes, newest first: when, source, actor, the claims before and after, and whether sync pushed it';

-- Retention. An entry sync has not pushed (or recorded as rejected) is never removed: it is
-- a change Kinde has not been told about yet.
CREATE FUNCTION @extschema@.kinde_claims_history_prune(older_than interval DEFAULT '90 days') RETURNS jsonb
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    removed bigint;
    kept bigint;
BEGIN
    IF older_than IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'older_than must not be null';
    END IF;
    IF older_than < interval '0' THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'older_than must not be negative',
            HINT = 'Use the default, 90 days, or the retention your audit needs.';
    END IF;
    DELETE FROM kinde_claims.claims_history
    WHERE changed_at < now() - older_than AND pushed_at IS NOT NULL;
    GET DIAGNOSTICS removed = ROW_COUNT;
    SELECT count(*) INTO kept FROM kinde_claims.claims_history
    WHERE changed_at < now() - older_than AND pushed_at IS NULL;
    RETURN jsonb_build_object('removed', removed, 'kept_unpushed', kept);
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_claims_history_prune(interval) IS
    'Removes history entries older than older_than (default 90 days) that sync has pushed or recorded as rejected; schedule it daily';

-- The feed of kinde-claims-shim sync (docs/history.md). A lease is a set of history entries, not
-- a cursor: an entry whose transaction commits after a newer one was leased is simply unpushed
-- and leased next time, never skipped.
CREATE FUNCTION @extschema@.kinde_claims_changes_lease(
        worker text, max_users integer DEFAULT 100, lease_seconds integer DEFAULT 30)
    RETURNS jsonb
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    users text[];
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

    -- Each user's oldest unpushed entry, oldest first, for users with no entry under a live
    -- lease. The row lock (SKIP LOCKED) keeps a concurrent lease off the same users.
    SELECT array_agg(c.kinde_id ORDER BY c.id) INTO users FROM (
        SELECT h.kinde_id, h.id
        FROM kinde_claims.claims_history h
        WHERE h.pushed_at IS NULL
          AND (h.leased_until IS NULL OR h.leased_until < now())
          AND NOT EXISTS (SELECT FROM kinde_claims.claims_history l
                          WHERE l.kinde_id = h.kinde_id AND l.pushed_at IS NULL AND l.leased_until >= now())
          AND NOT EXISTS (SELECT FROM kinde_claims.claims_history e
                          WHERE e.kinde_id = h.kinde_id AND e.pushed_at IS NULL AND e.id < h.id)
        ORDER BY h.id
        LIMIT max_users
        FOR UPDATE OF h SKIP LOCKED) c;
    IF users IS NULL THEN
        RETURN jsonb_build_object('lease_id', NULL, 'users', '[]'::jsonb);
    END IF;

    -- A new snapshot: every unpushed entry of those users committed by now goes under the lease.
    lease := nextval('kinde_claims.claims_lease_id_seq');
    WITH leased AS (
        UPDATE kinde_claims.claims_history h
        SET lease_id = lease, leased_until = now() + lease_seconds * interval '1 second', lease_worker = worker
        WHERE h.kinde_id = ANY (users) AND h.pushed_at IS NULL
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
    RETURN result;
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_claims_changes_lease(text, integer, integer) IS
    'sync: leases the unpushed history entries of up to max_users users for lease_seconds: {"lease_id", "users": [{"user_id", "changes", "oldest_changed_at"}]}';

CREATE FUNCTION @extschema@.kinde_claims_changes_done(
        lease_id bigint, user_id text, outcome text, http_status integer DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    entries bigint;
BEGIN
    IF lease_id IS NULL OR user_id IS NULL OR outcome IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'lease_id, user_id and outcome must not be null';
    END IF;
    IF outcome NOT IN ('refreshed', 'rejected', 'retry') THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('unknown outcome %L', outcome),
            HINT = 'outcome is refreshed (Kinde answered 2xx), rejected (400/404: Kinde does not know the user) or retry.';
    END IF;
    IF http_status NOT BETWEEN 100 AND 599 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'http_status must be an HTTP status code (100 to 599)';
    END IF;
    IF outcome = 'retry' THEN
        UPDATE kinde_claims.claims_history h SET lease_id = NULL, leased_until = NULL, lease_worker = NULL
        WHERE h.kinde_id = user_id COLLATE "C" AND h.lease_id = kinde_claims_changes_done.lease_id
          AND h.pushed_at IS NULL;
    ELSE
        UPDATE kinde_claims.claims_history h
        SET pushed_at = now(), push_outcome = outcome, push_http_status = http_status
        WHERE h.kinde_id = user_id COLLATE "C" AND h.lease_id = kinde_claims_changes_done.lease_id
          AND h.pushed_at IS NULL;
    END IF;
    GET DIAGNOSTICS entries = ROW_COUNT;
    RETURN jsonb_build_object('entries', entries);
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_claims_changes_done(bigint, text, text, integer) IS
    'sync: records the outcome (refreshed, rejected, retry) for one user''s entries under a lease: {"entries": n}';

CREATE FUNCTION @extschema@.kinde_claims_changes_lag() RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT jsonb_build_object(
        'unpushed', count(*),
        'oldest_unpushed_at', min(h.changed_at),
        'lag_seconds', coalesce(extract(epoch FROM clock_timestamp() - min(h.changed_at)), 0))
    FROM kinde_claims.claims_history h WHERE h.pushed_at IS NULL;
$$;
COMMENT ON FUNCTION @extschema@.kinde_claims_changes_lag() IS
    'sync: {"unpushed": n, "oldest_unpushed_at", "lag_seconds"}: how far behind Kinde''s cache is';

-- Every version's script ends by taking default privileges off the objects it created.
SELECT kinde_claims.revoke_default_privileges();
