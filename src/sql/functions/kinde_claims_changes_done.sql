-- Records sync's outcome for one user's entries under a lease, read through the leased index (a
-- leased entry always has leased_until; retry clears both, and the entries are leased again).
CREATE OR REPLACE FUNCTION @extschema@.kinde_claims_changes_done(
        lease_id bigint, user_id text, outcome text, http_status integer DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    entries bigint;
BEGIN
    IF lease_id IS NULL OR user_id IS NULL OR outcome IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'lease_id, user_id and outcome must not be null';
    END IF;
    IF outcome NOT IN ('refreshed', 'rejected', 'retry') THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('unknown outcome %L', outcome),
            HINT = 'outcome is refreshed (Kinde answered 2xx), rejected (400/404: Kinde does not know the user) or retry.';
    END IF;
    IF http_status NOT BETWEEN 100 AND 599 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'http_status must be an HTTP status code (100 to 599)';
    END IF;
    IF outcome = 'retry' THEN
        UPDATE kinde_claims.claims_history h SET lease_id = NULL, leased_until = NULL, lease_worker = NULL
        WHERE h.kinde_id = user_id COLLATE "C" AND h.lease_id = kinde_claims_changes_done.lease_id
          AND h.pushed_at IS NULL AND h.leased_until IS NOT NULL;
    ELSE
        UPDATE kinde_claims.claims_history h
        SET pushed_at = now(), push_outcome = outcome, push_http_status = http_status
        WHERE h.kinde_id = user_id COLLATE "C" AND h.lease_id = kinde_claims_changes_done.lease_id
          AND h.pushed_at IS NULL AND h.leased_until IS NOT NULL;
    END IF;
    GET DIAGNOSTICS entries = ROW_COUNT;
    RETURN jsonb_build_object('entries', entries);
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_claims_changes_done(bigint, text, text, integer) IS
    'sync: records the outcome (refreshed, rejected, retry) for one user''s entries under a lease: {"entries": n}';
