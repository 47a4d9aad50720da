-- kinde_claims 0.6.0 -> 0.7.0: the claims history's write path without random index writes.
\echo Use "ALTER EXTENSION kinde_claims UPDATE TO '0.7.0'" to load this file. \quit

-- ---------------------------------------------------------------------------------------------
-- The feed's index of unpushed entries was (kinde_id, id): every recorded write put its entry on
-- a random leaf page of it, and after each checkpoint the first change of a page writes the whole
-- page to the WAL (a full-page image). In the upsert storm that was 300 of the 718 bytes of WAL a
-- transaction wrote, all of it inside the commit's critical section. Keyed by id alone, a new
-- entry goes on the rightmost leaf (Postgres caches that page: no descent, no full-page image but
-- one per checkpoint).
--
-- What the per-user key served moves to a small index of the leased entries: whether a user has
-- an entry under a live lease (kinde_claims_changes_lease) and a lease's entries of one user
-- (kinde_claims_changes_done). A new entry is never leased, so the write path never touches it.
-- Reading one user's unpushed entries (kinde_claims_history) now walks the unpushed index, which
-- holds only what sync has not pushed yet.
-- ---------------------------------------------------------------------------------------------
DROP INDEX kinde_claims.claims_history_unpushed_idx;
CREATE INDEX claims_history_unpushed_idx ON kinde_claims.claims_history (id) WHERE pushed_at IS NULL;
CREATE INDEX claims_history_leased_idx ON kinde_claims.claims_history (kinde_id, leased_until)
    WHERE pushed_at IS NULL AND leased_until IS NOT NULL;

-- pushed_at's null fraction is the backlog, which goes from nothing to hundreds of thousands
-- between two of autovacuum's ANALYZEs (one per 10 % of the table changed). Taken at a quiet
-- time, it made the planner read the whole unpushed index, whose key is no longer the user, for
-- one user's leased entries: a pass over the backlog per kinde_claims_changes_done. Without
-- statistics on the column the planner assumes 0.5 % of the rows unpushed, whatever the time of
-- the last ANALYZE, and probes the leased index. ANALYZE leaves the old statistics of a column
-- it no longer analyzes in place: they go too.
ALTER TABLE kinde_claims.claims_history ALTER COLUMN pushed_at SET STATISTICS 0;
DELETE FROM pg_catalog.pg_statistic s USING pg_catalog.pg_attribute a
WHERE s.starelid = 'kinde_claims.claims_history'::pg_catalog.regclass AND a.attrelid = s.starelid
  AND a.attnum = s.staattnum AND a.attname = 'pushed_at';

-- The same arguments, checks, result and order of users as 0.6.0's. The candidates are the
-- users of the oldest unleased entries of users under no live lease (a window of 10 entries per
-- user asked for, in id order): a user's first entry in that window is the user's oldest
-- unpushed entry. The users under a live lease are read once, from the leased index, so a
-- leased user's newer changes never fill the window. The update then reads the backlog behind
-- the oldest candidate once (the unpushed index has no per-user key).
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
    RETURN result;
END
$$;

-- The same as 0.6.0's, reading a lease's entries of one user through the leased index (a leased
-- entry always has leased_until; retry clears both).
CREATE OR REPLACE FUNCTION @extschema@.kinde_claims_changes_done(
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
          AND h.pushed_at IS NULL AND h.leased_until IS NOT NULL;
    ELSE
        UPDATE kinde_claims.claims_history h
        SET pushed_at = now(), push_outcome = outcome, push_http_status = http_status
        WHERE h.kinde_id = user_id COLLATE "C" AND h.lease_id = kinde_claims_changes_done.lease_id
          AND h.pushed_at IS NULL AND h.leased_until IS NOT NULL;
    END IF;
    GET DIAGNOSTICS entries = ROW_COUNT;
    RETURN jsonb_build_object('entries', entries);
END
$$;

-- Every version's script ends by taking default privileges off the objects it created (the
-- helper below does it again for the function it makes, before giving back the old one's grants).
SELECT kinde_claims.revoke_default_privileges();

-- ---------------------------------------------------------------------------------------------
-- kinde_claims_history gains org_code, the organization an entry was for. A result type cannot
-- change in place (CREATE OR REPLACE refuses), so the old function is renamed, the new one made,
-- and this helper gives the new one every grant the old one had and drops the old one (in this
-- transaction: nobody sees the function missing). Without CASCADE, a view or function depending
-- on the old one stops the update with 2BP01, naming it, rather than being dropped. The helper
-- lives in pg_temp and is dropped below, so the update leaves the objects a fresh install has.
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.kinde_claims_replace_function(old_function regprocedure, new_function regprocedure)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- NULL means the built-in default: PUBLIC may execute.
    old_acl aclitem[] := (SELECT coalesce(p.proacl, acldefault('f', p.proowner)) FROM pg_proc p
                          WHERE p.oid = old_function);
    new_acl aclitem[];
    detail text;
    entry record;
BEGIN
    BEGIN
        EXECUTE format('DROP FUNCTION %s', old_function);
    EXCEPTION WHEN dependent_objects_still_exist THEN
        GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
        RAISE EXCEPTION USING ERRCODE = '2BP01',
            MESSAGE = format('cannot replace %s because other objects depend on it', pg_describe_object('pg_proc'::regclass, new_function, 0)),
            DETAIL = replace(detail, pg_describe_object('pg_proc'::regclass, old_function, 0),
                             pg_describe_object('pg_proc'::regclass, new_function, 0)),
            HINT = 'Drop those objects, update the extension, and create them again for the new result.';
    END;
    -- What default privileges gave the new function goes first, as at the end of every script:
    -- its ACL is then a fresh install's. (Grants to the roles they name were taken off the old
    -- one by the call above, as every update takes them.)
    PERFORM kinde_claims.revoke_default_privileges();
    SELECT p.proacl INTO new_acl FROM pg_proc p WHERE p.oid = new_function;
    FOR entry IN
        SELECT a.grantee, a.is_grantable FROM aclexplode(old_acl) a JOIN pg_proc p ON p.oid = new_function
        WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s%s', new_function,
            CASE entry.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(entry.grantee)) END,
            CASE WHEN entry.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    END LOOP;
    -- Inside an extension script a GRANT is also recorded as the extension's initial privileges,
    -- which pg_dump leaves out of a dump: the grants are the administrator's, so the record is
    -- put back to what a fresh install has, and pg_dump keeps dumping them.
    UPDATE pg_init_privs i SET initprivs = new_acl
    WHERE i.classoid = 'pg_proc'::regclass AND i.objoid = new_function AND i.objsubid = 0;
END
$$;

ALTER FUNCTION @extschema@.kinde_claims_history(text) RENAME TO kinde_claims_history_0_6_0;
-- 0.6.0's columns in 0.6.0's order, then org_code: a caller reading columns by name or position
-- reads what it read. Each half of the history is read apart: the unpushed entries from the
-- unpushed index (keyed by id since 0.7.0: it holds only what sync has not pushed yet), the
-- pushed ones from the pushed index (kinde_id, id).
CREATE FUNCTION @extschema@.kinde_claims_history(user_id text)
    RETURNS TABLE (changed_at timestamptz, source text, actor text, old_claims jsonb, new_claims jsonb,
                   event_id text, app_table text, jwt_role text, pushed_at timestamptz, push_outcome text,
                   org_code text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF user_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'user_id must not be null';
    END IF;
    RETURN QUERY
        SELECT h.changed_at, h.source::text, h.actor, h.old_claims, h.new_claims, h.event_id::text,
               h.app_table, h.jwt_role, h.pushed_at, h.push_outcome::text, h.org_code::text
        FROM (SELECT u.* FROM kinde_claims.claims_history u
              WHERE u.kinde_id = user_id COLLATE "C" AND u.pushed_at IS NULL
              UNION ALL
              SELECT p.* FROM kinde_claims.claims_history p
              WHERE p.kinde_id = user_id COLLATE "C" AND p.pushed_at IS NOT NULL) h
        ORDER BY h.id DESC;
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_claims_history(text) IS
    'A user''s token changes, newest first: when, source, actor, the claims before and after, whether sync pushed it, and the organization (org_code) for an organization''s or membership''s change';
SELECT pg_temp.kinde_claims_replace_function('@extschema@.kinde_claims_history_0_6_0(text)',
                                             '@extschema@.kinde_claims_history(text)');
DROP FUNCTION pg_temp.kinde_claims_replace_function(regprocedure, regprocedure);
