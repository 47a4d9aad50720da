-- claims_column_check(claims jsonb) RETURNS void: an organization's or membership's claims
-- column as written: 23502 for NULL ("Use {} for no claims."), else the rules of claims_check.
CREATE OR REPLACE FUNCTION kinde_claims.claims_column_check(claims jsonb) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF claims IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '23502', MESSAGE = 'claims must not be null', DETAIL = 'Use {} for no claims.';
    END IF;
    PERFORM kinde_claims.claims_check(claims);
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.claims_column_check(jsonb) FROM PUBLIC;
