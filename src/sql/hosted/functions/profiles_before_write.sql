-- kinde_claims.profiles_before_write() RETURNS trigger: BEFORE INSERT OR UPDATE row trigger on
-- kinde_claims.profiles (profiles_before_write.cpp). The rules hold for every write, whether it
-- comes from kinde_profile_upsert or an admin's UPDATE: the id (22004, 22023) and the claims
-- (claims_check, 22023). An UPDATE checks only claims it changes; updated_at moves only when what
-- a token carries, or the id, changes. Fired otherwise it raises 39P01 (called as a plain
-- function, PL/pgSQL raises 0A000 first). SECURITY DEFINER, unlike the C++ edition's C function:
-- the helpers it calls are the owner's, not granted to the writers of the table.
CREATE OR REPLACE FUNCTION kinde_claims.profiles_before_write() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_LEVEL <> 'ROW' THEN
        RAISE EXCEPTION USING ERRCODE = '39P01',
            MESSAGE = 'kinde_claims.profiles_before_write() must be a FOR EACH ROW trigger';
    END IF;
    IF TG_WHEN <> 'BEFORE' OR TG_OP NOT IN ('INSERT', 'UPDATE') THEN
        RAISE EXCEPTION USING ERRCODE = '39P01',
            MESSAGE = 'kinde_claims.profiles_before_write() must fire BEFORE INSERT OR UPDATE';
    END IF;
    PERFORM kinde_claims.user_id_check(NEW.kinde_id);
    IF TG_OP = 'INSERT' THEN
        IF NEW.claims IS NOT NULL THEN
            PERFORM kinde_claims.claims_check(NEW.claims, NULL, NEW.kinde_id);
        END IF;
        RETURN NEW;
    END IF;
    -- Claims passed the rules when they were stored: a lowered kinde_claims.max_claims_bytes, or
    -- a rule added later, must not block unrelated changes such as revoking lifetime_subscriber.
    IF NEW.claims IS NOT NULL AND NEW.claims IS DISTINCT FROM OLD.claims THEN
        PERFORM kinde_claims.claims_check(NEW.claims, OLD.claims);
    END IF;
    IF NEW.kinde_id = OLD.kinde_id
       AND kinde_claims.token_claims(OLD.lifetime_subscriber, OLD.claims)
           = kinde_claims.token_claims(NEW.lifetime_subscriber, NEW.claims) THEN
        RETURN NEW;
    END IF;
    NEW.updated_at := transaction_timestamp();
    RETURN NEW;
END
$$;
