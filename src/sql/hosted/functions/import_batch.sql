-- import_batch(kinde_ids text[], subscribers boolean[]) RETURNS bigint: one batch of valid,
-- distinct ids written by kinde_claims_import: missing profiles created, existing ones turned into
-- subscribers when the batch says so; nothing else touched. Returns the rows written.
CREATE OR REPLACE FUNCTION kinde_claims.import_batch(kinde_ids text[], subscribers boolean[]) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    written bigint;
BEGIN
    INSERT INTO kinde_claims.profiles AS p (kinde_id, lifetime_subscriber)
    SELECT u.kinde_id, u.lifetime_subscriber FROM ROWS FROM (unnest(kinde_ids), unnest(subscribers)) AS u (kinde_id, lifetime_subscriber)
    ON CONFLICT (kinde_id) DO UPDATE SET lifetime_subscriber = true
    WHERE EXCLUDED.lifetime_subscriber AND NOT p.lifetime_subscriber;
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.import_batch(text[], boolean[]) FROM PUBLIC;
