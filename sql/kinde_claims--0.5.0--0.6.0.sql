-- kinde_claims 0.5.0 -> 0.6.0: claims per organization. A token for an organization carries the
-- user's claims, then the organization's, then the user's claims in that organization.
\echo Use "ALTER EXTENSION kinde_claims UPDATE TO '0.6.0'" to load this file. \quit

-- One row per organization the app or Kinde told us about. A row with {} is an organization
-- with no claims of its own (a membership write creates it: its row lock orders the writes).
CREATE TABLE kinde_claims.organizations (
    org_code text COLLATE "C" NOT NULL,
    claims jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT organizations_pkey PRIMARY KEY (org_code)
);
COMMENT ON TABLE kinde_claims.organizations IS
    'One row per Kinde organization: the claims every member''s token for it carries';

-- A user's claims within an organization, and the list of members an organization's change
-- refreshes. The token carries an organization's claims only for a member stored here.
CREATE TABLE kinde_claims.memberships (
    kinde_id text COLLATE "C" NOT NULL,
    org_code text COLLATE "C" NOT NULL,
    claims jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- What kinde_claims_for(kinde_id, org_code) returns, so a member's call is one probe: the
    -- user's claims || the organization's || claims, with the user's lifetime_subscriber. The
    -- triggers keep it (a value written here is replaced); NULL: not stored, merged when read.
    token jsonb,
    CONSTRAINT memberships_pkey PRIMARY KEY (kinde_id, org_code)
);
-- An organization's members, for its fan-out and its size check.
CREATE INDEX memberships_org_code_idx ON kinde_claims.memberships (org_code, kinde_id);
COMMENT ON TABLE kinde_claims.memberships IS
    'One row per (user, organization) known: the user''s claims in that organization';

ALTER TABLE kinde_claims.organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE kinde_claims.memberships ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('kinde_claims.organizations', '');
SELECT pg_catalog.pg_extension_config_dump('kinde_claims.memberships', '');

-- Per organization, the newest webhook event applied and whether it deleted the organization,
-- as webhook_users keeps them per user: a late organization.created or a user's list naming a
-- deleted organization must not bring it back.
CREATE TABLE kinde_claims.webhook_organizations (
    org_code text COLLATE "C" PRIMARY KEY,
    last_event_time timestamptz NOT NULL,
    deleted boolean NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE kinde_claims.webhook_organizations IS
    'Per Kinde organization: the newest webhook event applied, and whether it was a deletion';
ALTER TABLE kinde_claims.webhook_organizations ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('kinde_claims.webhook_organizations', '');

-- The rules, the merged-size check and the history of every write, whichever path it takes.
CREATE FUNCTION kinde_claims.organizations_after_write() RETURNS trigger
    AS 'MODULE_PATHNAME', 'kinde_claims_organizations_after_write' LANGUAGE C;
CREATE FUNCTION kinde_claims.memberships_after_write() RETURNS trigger
    AS 'MODULE_PATHNAME', 'kinde_claims_memberships_after_write' LANGUAGE C;
-- A membership's token, computed from its parents (created and share-locked first) as it is written.
CREATE FUNCTION kinde_claims.memberships_before_write() RETURNS trigger
    AS 'MODULE_PATHNAME', 'kinde_claims_memberships_before_write' LANGUAGE C;
CREATE TRIGGER memberships_before_write BEFORE INSERT OR UPDATE ON kinde_claims.memberships
    FOR EACH ROW EXECUTE FUNCTION kinde_claims.memberships_before_write();
CREATE TRIGGER organizations_after_write AFTER INSERT OR UPDATE OR DELETE ON kinde_claims.organizations
    FOR EACH ROW EXECUTE FUNCTION kinde_claims.organizations_after_write();
CREATE TRIGGER memberships_after_write AFTER INSERT OR UPDATE OR DELETE ON kinde_claims.memberships
    FOR EACH ROW EXECUTE FUNCTION kinde_claims.memberships_after_write();

-- Which organization a history entry was for (NULL: the user's own claims changed).
ALTER TABLE kinde_claims.claims_history ADD COLUMN org_code text COLLATE "C";

CREATE FUNCTION @extschema@.kinde_organization_upsert(org_code text, claims jsonb DEFAULT NULL)
    RETURNS jsonb
    AS 'MODULE_PATHNAME', 'kinde_organization_upsert'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_organization_upsert(text, jsonb) IS
    'Creates or updates an organization''s claims (NULL keeps them); returns the organization''s claims';

CREATE FUNCTION @extschema@.kinde_organization_delete(org_code text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'kinde_organization_delete'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_organization_delete(text) IS
    'Removes an organization and its memberships; true if the organization was stored';

CREATE FUNCTION @extschema@.kinde_membership_upsert(kinde_id text, org_code text, claims jsonb DEFAULT NULL)
    RETURNS jsonb
    AS 'MODULE_PATHNAME', 'kinde_membership_upsert'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_membership_upsert(text, text, jsonb) IS
    'Creates or updates a user''s membership of an organization and its claims (NULL keeps them); returns the membership''s claims';

CREATE FUNCTION @extschema@.kinde_membership_delete(kinde_id text, org_code text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'kinde_membership_delete'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_membership_delete(text, text) IS
    'Removes a user''s membership of an organization; true if one was removed';

-- The app attaches this to its organization-keyed tables, as kinde_profile_upsert_trigger to its
-- user-keyed ones:
--   CREATE TRIGGER ... AFTER INSERT OR UPDATE OR DELETE ON org_subscriptions FOR EACH ROW
--     EXECUTE FUNCTION kinde_organization_upsert_trigger('org_code', 'plan', 'seats');
CREATE FUNCTION @extschema@.kinde_organization_upsert_trigger() RETURNS trigger
    AS 'MODULE_PATHNAME', 'kinde_organization_upsert_trigger'
    LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_organization_upsert_trigger() IS
    'AFTER ROW trigger: keeps the organization claims mapped by its arguments (org-code column, then claim=column ...) in step with the row';

-- Prunes the organizations' ordering state too (deleted organizations' tombstones stay).
CREATE OR REPLACE FUNCTION @extschema@.kinde_webhook_prune(older_than interval DEFAULT '7 days') RETURNS jsonb
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cutoff timestamptz;
    events bigint;
    users bigint;
    organizations bigint;
BEGIN
    IF older_than IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'older_than must not be null';
    END IF;
    IF older_than < interval '2 days' THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = 'older_than must be at least 2 days',
            DETAIL = 'Kinde retries a webhook for up to 36 hours; pruning sooner would let a retried duplicate or a late event apply again.',
            HINT = 'Use the default, 7 days.';
    END IF;
    cutoff := pg_catalog.now() OPERATOR(pg_catalog.-) older_than;
    DELETE FROM kinde_claims.webhook_events WHERE received_at OPERATOR(pg_catalog.<) cutoff;
    GET DIAGNOSTICS events = ROW_COUNT;
    -- A deleted user's or organization's row is a tombstone and stays: Kinde never reuses an id,
    -- and without it a captured webhook replayed after the prune could bring it back.
    DELETE FROM kinde_claims.webhook_users WHERE applied_at OPERATOR(pg_catalog.<) cutoff AND NOT deleted;
    GET DIAGNOSTICS users = ROW_COUNT;
    DELETE FROM kinde_claims.webhook_organizations WHERE applied_at OPERATOR(pg_catalog.<) cutoff AND NOT deleted;
    GET DIAGNOSTICS organizations = ROW_COUNT;
    RETURN pg_catalog.jsonb_build_object('webhook_events', events, 'webhook_users', users,
                                         'webhook_organizations', organizations);
END
$$;

SELECT kinde_claims.revoke_default_privileges();

-- kinde_claims_for gains org_code. A parameter cannot be added in place, and two functions would
-- give PostgREST two candidates for one URL, so the old function is dropped and the new one made
-- with every grant the old one had (PostgREST's schema cache needs a reload afterwards: NOTIFY
-- pgrst, 'reload schema'). A view or function depending on the old one stops the update with an
-- error naming it, rather than being dropped.
DO $update$
DECLARE
    old_acl aclitem[];
    new_acl aclitem[];
    entry record;
BEGIN
    SELECT p.proacl INTO old_acl FROM pg_catalog.pg_proc p
    WHERE p.oid = '@extschema@.kinde_claims_for(text)'::pg_catalog.regprocedure;
    DROP FUNCTION @extschema@.kinde_claims_for(text);
    -- The token path. C, no SET clause: it resolves nothing through search_path.
    CREATE FUNCTION @extschema@.kinde_claims_for(user_id text, org_code text DEFAULT NULL) RETURNS jsonb
        AS 'MODULE_PATHNAME', 'kinde_claims_for'
        LANGUAGE C STABLE PARALLEL SAFE SECURITY DEFINER;
    COMMENT ON FUNCTION @extschema@.kinde_claims_for(text, text) IS
        'The custom claims for a Kinde user''s access token, for the organization org_code when given; {"lifetime_subscriber": false} for an unknown user';
    PERFORM kinde_claims.revoke_default_privileges();
    SELECT p.proacl INTO new_acl FROM pg_catalog.pg_proc p
    WHERE p.oid = '@extschema@.kinde_claims_for(text, text)'::pg_catalog.regprocedure;
    FOR entry IN
        SELECT a.grantee, a.is_grantable FROM pg_catalog.aclexplode(old_acl) a
        JOIN pg_catalog.pg_proc p ON p.oid = '@extschema@.kinde_claims_for(text, text)'::pg_catalog.regprocedure
        WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner
    LOOP
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION @extschema@.kinde_claims_for(text, text) TO %s%s',
            CASE entry.grantee WHEN 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(entry.grantee)) END,
            CASE WHEN entry.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    END LOOP;
    -- Inside an extension script a GRANT is also recorded as the extension's initial privileges,
    -- which pg_dump leaves out of a dump: the grants are the administrator's, so the record is
    -- put back to what a fresh install has, and pg_dump keeps dumping them.
    UPDATE pg_catalog.pg_init_privs i SET initprivs = new_acl
    WHERE i.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND i.objsubid = 0
      AND i.objoid = '@extschema@.kinde_claims_for(text, text)'::pg_catalog.regprocedure;
END
$update$;

-- ---------------------------------------------------------------------------------------------
-- The claims history's cost on the write path (issue 11 §5): one index entry per new history
-- entry instead of two. The primary key (kinde_id, id) covered every entry and the feed's
-- partial index the unpushed ones, so each recorded write paid two btree insertions. Now two
-- partial indexes split the entries by pushed_at: a new entry (always unpushed) goes into the
-- unpushed index only, and moves to the pushed one when sync marks it, off the write path.
-- kinde_claims_history reads both. The ids stay unique: they come from the identity sequence
-- (GENERATED ALWAYS). The rows are untouched.
-- ---------------------------------------------------------------------------------------------
CREATE INDEX claims_history_pushed_idx ON kinde_claims.claims_history (kinde_id, id) WHERE pushed_at IS NOT NULL;
ALTER TABLE kinde_claims.claims_history DROP CONSTRAINT claims_history_pkey;
-- Without a primary key, logical replication needs the whole old row to replicate sync's
-- UPDATEs and the prune's DELETEs (only with wal_level = logical does that cost anything).
ALTER TABLE kinde_claims.claims_history REPLICA IDENTITY FULL;

-- The same rows and columns as before, newest first: each half of the history from its index.
CREATE OR REPLACE FUNCTION @extschema@.kinde_claims_history(user_id text)
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
        FROM (SELECT u.* FROM kinde_claims.claims_history u
              WHERE u.kinde_id = user_id COLLATE "C" AND u.pushed_at IS NULL
              UNION ALL
              SELECT p.* FROM kinde_claims.claims_history p
              WHERE p.kinde_id = user_id COLLATE "C" AND p.pushed_at IS NOT NULL) h
        ORDER BY h.id DESC;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- The feed's lease after a large change (an organization's fan-out): 0.5.0 picked each user's
-- oldest unpushed entry with two NOT EXISTS, which the planner turns into anti-joins rescanning
-- every unpushed entry per candidate when the statistics were taken on a quiet table; 10,000
-- unpushed entries then took over 30 s per lease (sync stalled until the next ANALYZE). Scalar
-- subqueries are always one probe of the unpushed index per candidate, whatever the statistics.
-- Same users, same order, same result.
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION @extschema@.kinde_claims_changes_lease(
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
          AND h.id = (SELECT min(e.id) FROM kinde_claims.claims_history e
                      WHERE e.kinde_id = h.kinde_id AND e.pushed_at IS NULL)
          AND coalesce((SELECT max(l.leased_until) FROM kinde_claims.claims_history l
                        WHERE l.kinde_id = h.kinde_id AND l.pushed_at IS NULL) < now(), true)
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
