-- One verified Kinde webhook event (its JWT payload), applied once: deduplicated by event_id in
-- webhook_events, ordered per user and per organization by webhook_users and webhook_organizations.
CREATE OR REPLACE FUNCTION @extschema@.kinde_webhook_apply(event jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'kinde_webhook_apply'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_webhook_apply(jsonb) IS
    'Applies one verified Kinde webhook event (the JWT payload) once: {"result": "applied"|"duplicate"|"ignored"|"stale"|"future", ...}';
