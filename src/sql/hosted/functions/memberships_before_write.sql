-- kinde_claims.memberships_before_write() RETURNS trigger: BEFORE INSERT OR UPDATE row trigger on
-- kinde_claims.memberships (membership_before_write in organizations.cpp): the row's keys follow
-- the rules (22004, 22023), its parents exist (created if missing) and are share-locked, and its
-- token is computed from them, whatever token the write gave. Under pg_restore's COPY into the
-- table the dumped token is kept (NULL is merged at read time). Fired otherwise: 39P01.
-- Unlike the C++ edition it computes the token again for the rows a parent's rewrite updates,
-- and an UPDATE of the token column alone does not lock (or create) the parents.
-- SECURITY DEFINER, unlike the C++ edition's C function: the helpers it calls are the owner's.
CREATE OR REPLACE FUNCTION kinde_claims.memberships_before_write() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- Attached to another table its rows are not memberships: refused, as the C++ edition's trigger does.
    IF TG_RELID <> 'kinde_claims.memberships'::regclass THEN
        RAISE EXCEPTION USING ERRCODE = '39P01',
            MESSAGE = 'kinde_claims.memberships_before_write() must be a trigger on kinde_claims.memberships';
    END IF;
    IF TG_LEVEL <> 'ROW' THEN
        RAISE EXCEPTION USING ERRCODE = '39P01',
            MESSAGE = 'kinde_claims.memberships_before_write() must be a FOR EACH ROW trigger';
    END IF;
    IF TG_WHEN <> 'BEFORE' OR TG_OP NOT IN ('INSERT', 'UPDATE') THEN
        RAISE EXCEPTION USING ERRCODE = '39P01',
            MESSAGE = 'kinde_claims.memberships_before_write() must fire BEFORE INSERT OR UPDATE';
    END IF;
    IF kinde_claims.copy_from_into('kinde_claims.memberships') THEN
        RETURN NEW;
    END IF;
    PERFORM kinde_claims.user_id_check(NEW.kinde_id);
    PERFORM kinde_claims.org_code_check(NEW.org_code);
    -- A write of the keys or the claims makes sure of the parents; a rewrite of the token alone
    -- (a parent changed and holds its row locks: memberships_follow) only computes it again,
    -- and creates no parent a DELETE removed.
    IF TG_OP = 'INSERT' OR OLD.kinde_id <> NEW.kinde_id OR OLD.org_code <> NEW.org_code
       OR OLD.claims::text IS DISTINCT FROM NEW.claims::text THEN
        INSERT INTO kinde_claims.organizations (org_code) VALUES (NEW.org_code) ON CONFLICT (org_code) DO NOTHING;
        INSERT INTO kinde_claims.profiles (kinde_id) VALUES (NEW.kinde_id) ON CONFLICT (kinde_id) DO NOTHING;
        PERFORM FROM kinde_claims.organizations o, kinde_claims.profiles p
        WHERE o.org_code = NEW.org_code AND p.kinde_id = NEW.kinde_id FOR SHARE OF o, p;
    END IF;
    NEW.token := kinde_claims.member_token(NEW.kinde_id, NEW.org_code, NEW.claims);
    RETURN NEW;
END
$$;
