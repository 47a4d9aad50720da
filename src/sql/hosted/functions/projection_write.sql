-- projection_write(spec jsonb, key text, flag boolean, claims jsonb) RETURNS void: sets a
-- projection trigger's claims on a user's profile (or an organization's claims), creating it if
-- needed; with claims NULL takes them off instead (and lifetime_subscriber when the trigger maps
-- it). Only the keys the trigger maps are replaced, on the latest row version, so concurrent
-- writers of other keys keep theirs; a row that would not change is not written. `flag` NULL
-- keeps lifetime_subscriber.
CREATE OR REPLACE FUNCTION kinde_claims.projection_write(spec jsonb, key text, flag boolean, claims jsonb)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    keys text[] := ARRAY(SELECT jsonb_array_elements_text(spec -> 'claim_keys'));
    maps_flag boolean := spec ->> 'flag_column' IS NOT NULL;
BEGIN
    IF (spec ->> 'organization')::boolean THEN
        IF claims IS NULL THEN
            UPDATE kinde_claims.organizations AS o SET claims = jsonb_delete(o.claims, VARIADIC keys), updated_at = now()
            WHERE o.org_code = key AND jsonb_exists_any(o.claims, keys);
        ELSE
            INSERT INTO kinde_claims.organizations AS o (org_code, claims) VALUES (key, projection_write.claims)
            ON CONFLICT (org_code) DO UPDATE SET
                claims = jsonb_concat(jsonb_delete(o.claims, VARIADIC keys), projection_write.claims), updated_at = now()
            WHERE o.claims <> jsonb_concat(jsonb_delete(o.claims, VARIADIC keys), projection_write.claims);
        END IF;
    ELSIF claims IS NULL THEN
        UPDATE kinde_claims.profiles AS p SET lifetime_subscriber = p.lifetime_subscriber AND NOT maps_flag,
               claims = jsonb_delete(p.claims, VARIADIC keys)
        WHERE p.kinde_id = key AND (p.lifetime_subscriber AND maps_flag OR jsonb_exists_any(p.claims, keys));
    ELSE
        INSERT INTO kinde_claims.profiles AS p (kinde_id, lifetime_subscriber, claims)
        VALUES (key, COALESCE(flag, false), projection_write.claims)
        ON CONFLICT (kinde_id) DO UPDATE SET
            lifetime_subscriber = COALESCE(flag, p.lifetime_subscriber),
            claims = jsonb_concat(jsonb_delete(p.claims, VARIADIC keys), projection_write.claims)
        WHERE p.lifetime_subscriber <> flag
           OR p.claims <> jsonb_concat(jsonb_delete(p.claims, VARIADIC keys), projection_write.claims);
    END IF;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.projection_write(jsonb, text, boolean, jsonb) FROM PUBLIC;
