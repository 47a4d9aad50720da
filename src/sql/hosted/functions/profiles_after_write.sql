-- kinde_claims.profiles_after_write() RETURNS trigger: AFTER INSERT OR UPDATE OR DELETE row
-- trigger on kinde_claims.profiles (profiles_after_write.cpp). When what a user's token carries
-- has changed it adds a claims history entry (history_record) and, unless kinde_claims.notify is
-- off, sends NOTIFY kinde_claims_changed with {"kinde_id": ..., "op": ...}. A missing profile
-- carries the defaults, so inserting or deleting a default profile stays silent. The stored
-- tokens of the user's memberships follow (memberships_follow). Fired otherwise: 39P01.
-- SECURITY DEFINER, unlike the C++ edition's C function: the helpers it calls are the owner's.
CREATE OR REPLACE FUNCTION kinde_claims.profiles_after_write() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    old_token jsonb;
    new_token jsonb;
BEGIN
    IF TG_LEVEL <> 'ROW' THEN
        RAISE EXCEPTION USING ERRCODE = '39P01',
            MESSAGE = 'kinde_claims.profiles_after_write() must be a FOR EACH ROW trigger';
    END IF;
    IF TG_WHEN <> 'AFTER' THEN
        RAISE EXCEPTION USING ERRCODE = '39P01',
            MESSAGE = 'kinde_claims.profiles_after_write() must fire AFTER INSERT, UPDATE or DELETE',
            HINT = 'Create it as AFTER INSERT OR UPDATE OR DELETE ... FOR EACH ROW.';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.kinde_id IS DISTINCT FROM OLD.kinde_id THEN
        -- The profile moved to another user: the old id now gets the defaults.
        PERFORM kinde_claims.profile_token_changed(OLD.kinde_id, 'update', OLD.lifetime_subscriber, OLD.claims,
                                                   false, NULL);
        PERFORM kinde_claims.profile_token_changed(NEW.kinde_id, 'update', false, NULL,
                                                   NEW.lifetime_subscriber, NEW.claims);
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM kinde_claims.profile_token_changed(NEW.kinde_id, 'update', OLD.lifetime_subscriber, OLD.claims,
                                                   NEW.lifetime_subscriber, NEW.claims);
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM kinde_claims.profile_token_changed(NEW.kinde_id, 'insert', false, NULL,
                                                   NEW.lifetime_subscriber, NEW.claims);
    ELSE
        PERFORM kinde_claims.profile_token_changed(OLD.kinde_id, 'delete', OLD.lifetime_subscriber, OLD.claims,
                                                   false, NULL);
    END IF;
    RETURN NULL;
END
$$;
