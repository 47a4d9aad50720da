-- webhook_field_missing(field text, expected text) RETURNS void: raises 22023 "webhook event has
-- no "<field>"" with the detail "A Kinde webhook event carries <expected>." (rules::webhook_field_missing).
CREATE OR REPLACE FUNCTION kinde_claims.webhook_field_missing(field text, expected text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'webhook event has no "' || field || '"',
        DETAIL = 'A Kinde webhook event carries ' || expected || '.';
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.webhook_field_missing(text, text) FROM PUBLIC;
