-- Retention. An entry sync has not pushed (or recorded as rejected) is never removed: it is
-- a change Kinde has not been told about yet.
CREATE OR REPLACE FUNCTION @extschema@.kinde_claims_history_prune(older_than interval DEFAULT '90 days') RETURNS jsonb
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    removed bigint;
    kept bigint;
BEGIN
    IF older_than IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'older_than must not be null';
    END IF;
    IF older_than < interval '0' THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'older_than must not be negative',
            HINT = 'Use the default, 90 days, or the retention your audit needs.';
    END IF;
    DELETE FROM kinde_claims.claims_history
    WHERE changed_at < now() - older_than AND pushed_at IS NOT NULL;
    GET DIAGNOSTICS removed = ROW_COUNT;
    SELECT count(*) INTO kept FROM kinde_claims.claims_history
    WHERE changed_at < now() - older_than AND pushed_at IS NULL;
    RETURN jsonb_build_object('removed', removed, 'kept_unpushed', kept);
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_claims_history_prune(interval) IS
    'Removes history entries older than older_than (default 90 days) that sync has pushed or recorded as rejected; schedule it daily';
