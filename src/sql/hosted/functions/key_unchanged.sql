-- key_unchanged(before text, after text, what text) RETURNS void: raises 0A000 "<what> cannot be
-- changed" when an UPDATE changes a key of organizations or memberships.
CREATE OR REPLACE FUNCTION kinde_claims.key_unchanged(before text, after text, what text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF before IS DISTINCT FROM after THEN
        RAISE EXCEPTION USING ERRCODE = '0A000', MESSAGE = what || ' cannot be changed',
            DETAIL = 'Delete the row and create the new one.';
    END IF;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.key_unchanged(text, text, text) FROM PUBLIC;
