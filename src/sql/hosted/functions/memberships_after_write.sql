-- kinde_claims.memberships_after_write() RETURNS trigger: AFTER INSERT OR UPDATE OR DELETE row
-- trigger on kinde_claims.memberships (membership_after_write in organizations.cpp): the keys'
-- rules (22004, 22023; an UPDATE may not change them, 0A000), the claims rules for claims it
-- changes, the merged-size check of a new or changed membership (22023), and the history entry
-- when the member's token changed. Fired otherwise: 39P01.
-- SECURITY DEFINER, unlike the C++ edition's C function: the helpers it calls are the owner's.
CREATE OR REPLACE FUNCTION kinde_claims.memberships_after_write() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    member_id text;
    code text;
    before jsonb;
    after jsonb;
    bytes bigint;
BEGIN
    -- Attached to another table its rows are not memberships: refused, as the C++ edition's trigger does.
    IF TG_RELID <> 'kinde_claims.memberships'::regclass THEN
        RAISE EXCEPTION USING ERRCODE = '39P01',
            MESSAGE = 'kinde_claims.memberships_after_write() must be a trigger on kinde_claims.memberships';
    END IF;
    IF TG_LEVEL <> 'ROW' THEN
        RAISE EXCEPTION USING ERRCODE = '39P01',
            MESSAGE = 'kinde_claims.memberships_after_write() must be a FOR EACH ROW trigger';
    END IF;
    IF TG_WHEN <> 'AFTER' THEN
        RAISE EXCEPTION USING ERRCODE = '39P01',
            MESSAGE = 'kinde_claims.memberships_after_write() must fire AFTER INSERT, UPDATE or DELETE',
            HINT = 'Create it as AFTER INSERT OR UPDATE OR DELETE ... FOR EACH ROW.';
    END IF;
    IF TG_OP = 'DELETE' THEN
        member_id := OLD.kinde_id;
        code := OLD.org_code;
        before := OLD.claims;
    ELSE
        member_id := NEW.kinde_id;
        code := NEW.org_code;
        after := NEW.claims;
        PERFORM kinde_claims.user_id_check(member_id);
        PERFORM kinde_claims.org_code_check(code);
        IF TG_OP = 'UPDATE' THEN
            before := OLD.claims;
            PERFORM kinde_claims.key_unchanged(OLD.kinde_id, NEW.kinde_id, 'a membership''s kinde_id');
            PERFORM kinde_claims.key_unchanged(OLD.org_code, NEW.org_code, 'a membership''s org_code');
        END IF;
        IF before IS NULL OR after IS NULL OR before::text <> after::text THEN
            PERFORM kinde_claims.claims_column_check(after);
        END IF;
        -- A new membership brings the organization's claims into the user's token, even with {}.
        -- Not under pg_restore's COPY: its parents may come later.
        IF (TG_OP = 'INSERT' OR NOT kinde_claims.claims_equal(before, after))
           AND NOT kinde_claims.copy_from_into('kinde_claims.memberships') THEN
            SELECT kinde_claims.merged_bytes(p.claims, o.claims, NEW.claims) INTO bytes
            FROM (SELECT) one
            LEFT JOIN kinde_claims.profiles p ON p.kinde_id = member_id
            LEFT JOIN kinde_claims.organizations o ON o.org_code = code;
            PERFORM kinde_claims.merged_size_check(member_id, code, bytes);
        END IF;
        IF TG_OP = 'UPDATE' AND kinde_claims.claims_equal(before, after) THEN
            RETURN NULL;
        END IF;
    END IF;
    IF kinde_claims.copy_from_into('kinde_claims.memberships') THEN
        RETURN NULL;
    END IF;
    -- NULL: no membership, the user-only token. An UPDATE's NULL claims read as {}.
    IF TG_OP = 'UPDATE' THEN
        before := COALESCE(before, '{}');
    END IF;
    IF TG_OP <> 'DELETE' THEN
        after := COALESCE(after, '{}');
    END IF;
    INSERT INTO kinde_claims.claims_history
        (kinde_id, org_code, source, event_id, app_table, actor, jwt_role, old_claims, new_claims)
    SELECT member_id, code, c.source, c.event_id, c.app_table, c.actor, c.jwt_role, t.old_claims, t.new_claims
    FROM kinde_claims.history_context() c, (
        SELECT CASE WHEN before IS NULL THEN COALESCE(p.claims, '{}')
                    ELSE COALESCE(p.claims, '{}') || COALESCE(o.claims, '{}') || before END
                   || jsonb_build_object('lifetime_subscriber', COALESCE(p.lifetime_subscriber, false)) AS old_claims,
               CASE WHEN after IS NULL THEN COALESCE(p.claims, '{}')
                    ELSE COALESCE(p.claims, '{}') || COALESCE(o.claims, '{}') || after END
                   || jsonb_build_object('lifetime_subscriber', COALESCE(p.lifetime_subscriber, false)) AS new_claims
        FROM (SELECT) one
        LEFT JOIN kinde_claims.profiles p ON p.kinde_id = member_id
        LEFT JOIN kinde_claims.organizations o ON o.org_code = code) t
    WHERE t.old_claims <> t.new_claims;
    RETURN NULL;
END
$$;
