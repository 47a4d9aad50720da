-- kinde_claims 0.1.0 -> 0.2.0: webhooks: kinde_webhook_apply(event jsonb) and its dedupe/ordering state.
\echo Use "ALTER EXTENSION kinde_claims UPDATE TO '0.2.0'" to load this file. \quit

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


-- Every webhook event applied (or acknowledged), by Kinde's event_id: a second delivery of the
-- same event is a no-op. Rows older than Kinde's retry window are pruned by kinde_webhook_prune.
CREATE TABLE kinde_claims.webhook_events (
    event_id text COLLATE "C" PRIMARY KEY,
    kinde_id text COLLATE "C",
    type text COLLATE "C" NOT NULL,
    event_time timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_events_received_at_idx ON kinde_claims.webhook_events (received_at);
COMMENT ON TABLE kinde_claims.webhook_events IS 'Kinde webhook events already seen, by event_id (dedupe)';

-- Per user, the time of the newest event applied and whether it deleted the user: Kinde does
-- not guarantee order, and a late user.updated must not bring a deleted user back.
CREATE TABLE kinde_claims.webhook_users (
    kinde_id text COLLATE "C" PRIMARY KEY,
    last_event_time timestamptz NOT NULL,
    deleted boolean NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE kinde_claims.webhook_users IS 'Per Kinde user: the newest webhook event applied, and whether it was a deletion';

ALTER TABLE kinde_claims.webhook_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE kinde_claims.webhook_users ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('kinde_claims.webhook_events', '');
SELECT pg_catalog.pg_extension_config_dump('kinde_claims.webhook_users', '');

CREATE FUNCTION @extschema@.kinde_webhook_apply(event jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'kinde_webhook_apply'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_webhook_apply(jsonb) IS
    'Applies one verified Kinde webhook event (the JWT payload) once: {"result": "applied"|"duplicate"|"ignored"|"stale", ...}';

-- Not on any hot path, so plain SQL is clearer than C++ here; the pinned search_path and
-- schema-qualified names keep it independent of the caller's. Kinde retries a delivery for at
-- most 36 hours, so state older than two days can no longer stop a duplicate or a late event.
CREATE FUNCTION @extschema@.kinde_webhook_prune(older_than interval DEFAULT '7 days') RETURNS jsonb
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cutoff timestamptz;
    events bigint;
    users bigint;
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
    -- A deleted user's row is a tombstone and stays: Kinde never reuses an id, and without it a
    -- captured webhook replayed after the prune could bring the profile back.
    DELETE FROM kinde_claims.webhook_users WHERE applied_at OPERATOR(pg_catalog.<) cutoff AND NOT deleted;
    GET DIAGNOSTICS users = ROW_COUNT;
    RETURN pg_catalog.jsonb_build_object('webhook_events', events, 'webhook_users', users);
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_webhook_prune(interval) IS
    'Removes webhook dedupe and ordering state older than older_than (at least 2 days), keeping deleted users'' tombstones; schedule it daily';

-- Every version's script ends by taking default privileges off the objects it created.
SELECT kinde_claims.revoke_default_privileges();
