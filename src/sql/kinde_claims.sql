-- kinde_claims: profiles, organizations and memberships, the token lookup and its writes, the
-- webhooks' state, the claims history and sync's feed. What a fresh CREATE EXTENSION runs.
\echo Use "CREATE EXTENSION kinde_claims" to load this file. \quit

-- Private state. PostgREST must never expose this schema; only the owner may use it.
CREATE SCHEMA kinde_claims;
COMMENT ON SCHEMA kinde_claims IS 'kinde_claims private state: never expose through PostgREST';

-- Every table: row-level security with no policies, so only the owner (and superusers) see any
-- row, even if someone grants a role SELECT on a table; dumped with the data (pg_dump), as are
-- the sequences. No table gives its empty tail back to the file system (vacuum_truncate, its
-- TOAST table's too): on a hot standby, replaying that truncation's ACCESS EXCLUSIVE lock waits
-- for every reader of the table and every token call queues behind it. The pages are reused by
-- later rows instead. What still takes that lock (VACUUM FULL, CLUSTER, REINDEX without
-- CONCURRENTLY, DDL) is the operator's: docs/scaling-out.md.

CREATE TABLE kinde_claims.profiles (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- "C" collation: ids are ASCII, and byte comparison keeps the unique index probe cheap.
    kinde_id text COLLATE "C" NOT NULL,
    lifetime_subscriber boolean NOT NULL DEFAULT false,
    claims jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT profiles_kinde_id_key UNIQUE (kinde_id)
) WITH (vacuum_truncate = false, toast.vacuum_truncate = false);
COMMENT ON TABLE kinde_claims.profiles IS 'One row per Kinde user: what their access token carries';
COMMENT ON COLUMN kinde_claims.profiles.claims IS 'Further custom claims: a JSON object, see kinde_claims.max_claims_bytes';
ALTER TABLE kinde_claims.profiles ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('kinde_claims.profiles', '');
SELECT pg_catalog.pg_extension_config_dump('kinde_claims.profiles_id_seq', '');

-- Every webhook event applied (or acknowledged), by Kinde's event_id: a second delivery of the
-- same event is a no-op. Rows older than Kinde's retry window are pruned by kinde_webhook_prune.
CREATE TABLE kinde_claims.webhook_events (
    event_id text COLLATE "C" PRIMARY KEY,
    kinde_id text COLLATE "C",
    type text COLLATE "C" NOT NULL,
    event_time timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
) WITH (vacuum_truncate = false, toast.vacuum_truncate = false);
CREATE INDEX webhook_events_received_at_idx ON kinde_claims.webhook_events (received_at);
COMMENT ON TABLE kinde_claims.webhook_events IS 'Kinde webhook events already seen, by event_id (dedupe)';

-- Per user, the time of the newest event applied and whether it deleted the user: Kinde does
-- not guarantee order, and a late user.updated must not bring a deleted user back.
CREATE TABLE kinde_claims.webhook_users (
    kinde_id text COLLATE "C" PRIMARY KEY,
    last_event_time timestamptz NOT NULL,
    deleted boolean NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
) WITH (vacuum_truncate = false, toast.vacuum_truncate = false);
COMMENT ON TABLE kinde_claims.webhook_users IS 'Per Kinde user: the newest webhook event applied, and whether it was a deletion';

ALTER TABLE kinde_claims.webhook_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE kinde_claims.webhook_users ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('kinde_claims.webhook_events', '');
SELECT pg_catalog.pg_extension_config_dump('kinde_claims.webhook_users', '');

-- One row per committed change of what a user's token carries, written by the AFTER row triggers
-- in the writer's transaction (so a rollback leaves none). It is also the outbox of
-- `kinde-claims-shim sync`: pushed_at stays NULL until Kinde's cache of the user's claims was
-- invalidated (or Kinde rejected the user).
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
    -- Which organization the entry was for (NULL: the user's own claims changed).
    org_code text COLLATE "C",
    -- The replica identity a logical subscriber probes. Like the unpushed index, a new entry's id
    -- is the largest yet, so it lands on the rightmost leaf, which Postgres keeps cached.
    CONSTRAINT claims_history_pkey PRIMARY KEY (id)
    -- No CHECK constraints: Postgres parses them again for every INSERT statement, which doubled
    -- the history's cost on the write path. Only the triggers (source: upsert, delete, webhook
    -- with event_id, trigger with app_table, import, sql, ...) and the feed's functions
    -- (push_outcome refreshed or rejected, with pushed_at) write it.
) WITH (vacuum_truncate = false, toast.vacuum_truncate = false);
COMMENT ON TABLE kinde_claims.claims_history IS
    'Every committed change of what a user''s token carries: who, what, when, from which path; the outbox of kinde-claims-shim sync';
-- pushed_at's null fraction is the backlog, which goes from nothing to hundreds of thousands
-- between two of autovacuum's ANALYZEs. Without statistics on the column the planner assumes
-- 0.5 % of the rows unpushed, whatever the time of the last ANALYZE, and probes the leased index
-- for one user's leased entries instead of reading the whole unpushed index.
ALTER TABLE kinde_claims.claims_history ALTER COLUMN pushed_at SET STATISTICS 0;
-- The entries are split by pushed_at between two partial indexes, so a new entry (always
-- unpushed) costs one index entry besides the key's. The feed's: keyed by id alone, a new entry
-- goes on the rightmost leaf (no random page, no full-page image in the WAL but one per checkpoint).
CREATE INDEX claims_history_unpushed_idx ON kinde_claims.claims_history (id) WHERE pushed_at IS NULL;
-- An entry moves here when sync marks it, off the write path: kinde_claims_history reads a user's
-- pushed entries from it.
CREATE INDEX claims_history_pushed_idx ON kinde_claims.claims_history (kinde_id, id) WHERE pushed_at IS NOT NULL;
-- Whether a user has an entry under a live lease (kinde_claims_changes_lease) and a lease's
-- entries of one user (kinde_claims_changes_done). A new entry is never leased, so the write path
-- never touches it.
CREATE INDEX claims_history_leased_idx ON kinde_claims.claims_history (kinde_id, leased_until)
    WHERE pushed_at IS NULL AND leased_until IS NOT NULL;

-- Lease ids are dumped too: a restored database must not hand out a lease id its rows already carry.
CREATE SEQUENCE kinde_claims.claims_lease_id_seq;

ALTER TABLE kinde_claims.claims_history ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('kinde_claims.claims_history', '');
SELECT pg_catalog.pg_extension_config_dump('kinde_claims.claims_history_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('kinde_claims.claims_lease_id_seq', '');

-- One row per organization the app or Kinde told us about. A row with {} is an organization
-- with no claims of its own (a membership write creates it: its row lock orders the writes).
CREATE TABLE kinde_claims.organizations (
    org_code text COLLATE "C" NOT NULL,
    claims jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT organizations_pkey PRIMARY KEY (org_code)
) WITH (vacuum_truncate = false, toast.vacuum_truncate = false);
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
) WITH (vacuum_truncate = false, toast.vacuum_truncate = false);
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
) WITH (vacuum_truncate = false, toast.vacuum_truncate = false);
COMMENT ON TABLE kinde_claims.webhook_organizations IS
    'Per Kinde organization: the newest webhook event applied, and whether it was a deletion';
ALTER TABLE kinde_claims.webhook_organizations ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('kinde_claims.webhook_organizations', '');

-- The settings table, in the SQL edition only (src/sql/install/settings.sql says why).
\ir install/settings.sql

-- The tables' row triggers.
\ir functions/profiles_before_write.sql
\ir functions/profiles_after_write.sql
CREATE TRIGGER profiles_before_write BEFORE INSERT OR UPDATE ON kinde_claims.profiles
    FOR EACH ROW EXECUTE FUNCTION kinde_claims.profiles_before_write();
CREATE TRIGGER profiles_after_write AFTER INSERT OR UPDATE OR DELETE ON kinde_claims.profiles
    FOR EACH ROW EXECUTE FUNCTION kinde_claims.profiles_after_write();

\ir functions/organizations_after_write.sql
\ir functions/memberships_after_write.sql
\ir functions/memberships_before_write.sql
CREATE TRIGGER memberships_before_write BEFORE INSERT OR UPDATE ON kinde_claims.memberships
    FOR EACH ROW EXECUTE FUNCTION kinde_claims.memberships_before_write();
CREATE TRIGGER organizations_after_write AFTER INSERT OR UPDATE OR DELETE ON kinde_claims.organizations
    FOR EACH ROW EXECUTE FUNCTION kinde_claims.organizations_after_write();
CREATE TRIGGER memberships_after_write AFTER INSERT OR UPDATE OR DELETE ON kinde_claims.memberships
    FOR EACH ROW EXECUTE FUNCTION kinde_claims.memberships_after_write();

-- Internal helpers.
\ir functions/claims_problems.sql
\ir functions/member_token.sql
\ir functions/revoke_default_privileges.sql

-- The API (docs/sql-api.md): the token path,
\ir functions/kinde_claims_for.sql
\ir functions/kinde_claims_access_token_hook.sql
-- the writes,
\ir functions/kinde_profile_upsert.sql
\ir functions/kinde_profile_delete.sql
\ir functions/kinde_organization_upsert.sql
\ir functions/kinde_organization_delete.sql
\ir functions/kinde_membership_upsert.sql
\ir functions/kinde_membership_delete.sql
-- the app's own tables,
\ir functions/kinde_profile_upsert_trigger.sql
\ir functions/kinde_organization_upsert_trigger.sql
\ir functions/kinde_claims_import.sql
\ir functions/kinde_claims_projection_check.sql
\ir functions/kinde_claims_projection_repair.sql
-- webhooks,
\ir functions/kinde_webhook_apply.sql
\ir functions/kinde_webhook_prune.sql
-- the history and sync's feed.
\ir functions/kinde_claims_history.sql
\ir functions/kinde_claims_history_prune.sql
\ir functions/kinde_claims_changes_lease.sql
\ir functions/kinde_claims_changes_done.sql
\ir functions/kinde_claims_changes_lag.sql
\ir functions/kinde_claims_failopen_record.sql

-- No routine named like an API function, in any schema (see the function).
\ir functions/refuse_api_overloads.sql
\ir install/overload_trigger.sql

\ir install/overload_report.sql

-- Nobody but the owner may use anything until granted (docs/security.md): PUBLIC's default
-- EXECUTE and whatever default privileges gave go (in a DO block, so psql prints no result).
DO $$ BEGIN PERFORM kinde_claims.revoke_default_privileges(); END $$;
