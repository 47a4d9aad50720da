-- Not on any hot path, so plain SQL is clearer than C++ here; the pinned search_path and
-- schema-qualified names keep it independent of the caller's. Kinde retries a delivery for at
-- most 36 hours, so state older than two days can no longer stop a duplicate or a late event.
-- Deleted users' and organizations' tombstones stay (see the body).
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
COMMENT ON FUNCTION @extschema@.kinde_webhook_prune(interval) IS
    'Removes webhook dedupe and ordering state older than older_than (at least 2 days), keeping deleted users'' tombstones; schedule it daily';
