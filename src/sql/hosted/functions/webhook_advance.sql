-- webhook_advance(organization boolean, key text, event_time timestamptz, deleting boolean)
-- RETURNS boolean: kinde_webhook_apply's ordering of one user's (kinde_claims.webhook_users) or,
-- with `organization`, one organization's (kinde_claims.webhook_organizations) events: records the
-- event at event_time as the newest applied for `key`, and whether it deletes, and returns true;
-- returns false (recording nothing) when the event is stale: an event as new or newer was applied
-- (at the same time only a deletion goes after another event), or a deletion was, after which
-- nothing brings the key back. One statement, the same for both tables (their columns differ only
-- in the key's name); raises only what the INSERT raises.
CREATE OR REPLACE FUNCTION kinde_claims.webhook_advance(organization boolean, key text, event_time timestamptz,
                                                        deleting boolean) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tracking text := CASE WHEN organization THEN 'webhook_organizations' ELSE 'webhook_users' END;
    rows bigint;
BEGIN
    EXECUTE format(
        'INSERT INTO kinde_claims.%1$I AS u (%2$I, last_event_time, deleted) VALUES ($1, $2, $3) '
        'ON CONFLICT ON CONSTRAINT %3$I DO UPDATE '
        'SET last_event_time = EXCLUDED.last_event_time, deleted = EXCLUDED.deleted, applied_at = now() '
        'WHERE NOT u.deleted AND (u.last_event_time < EXCLUDED.last_event_time '
        '                         OR (u.last_event_time = EXCLUDED.last_event_time AND EXCLUDED.deleted))',
        tracking, CASE WHEN organization THEN 'org_code' ELSE 'kinde_id' END, tracking || '_pkey')
        USING key, event_time, deleting;
    GET DIAGNOSTICS rows = ROW_COUNT;
    RETURN rows > 0;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.webhook_advance(boolean, text, timestamptz, boolean) FROM PUBLIC;
