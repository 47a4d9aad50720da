-- kinde_claims.organizations_after_write() RETURNS trigger: AFTER INSERT OR UPDATE OR DELETE row
-- trigger on kinde_claims.organizations (organization_after_write in organizations.cpp): the
-- org code's rules (22004, 22023; an UPDATE may not change it, 0A000), the claims rules for
-- claims it changes, the members' stored tokens and merged sizes (memberships_follow),
-- and one history entry per member whose token changed. Fired otherwise: 39P01.
-- SECURITY DEFINER, unlike the C++ edition's C function: the helpers it calls are the owner's.
CREATE OR REPLACE FUNCTION kinde_claims.organizations_after_write() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    code text;
    before jsonb;
    after jsonb;
BEGIN
    -- Attached to another table its rows are not organizations: refused, as the C++ edition's trigger does.
    IF TG_RELID <> 'kinde_claims.organizations'::regclass THEN
        RAISE EXCEPTION USING ERRCODE = '39P01',
            MESSAGE = 'kinde_claims.organizations_after_write() must be a trigger on kinde_claims.organizations';
    END IF;
    IF TG_LEVEL <> 'ROW' THEN
        RAISE EXCEPTION USING ERRCODE = '39P01',
            MESSAGE = 'kinde_claims.organizations_after_write() must be a FOR EACH ROW trigger';
    END IF;
    IF TG_WHEN <> 'AFTER' THEN
        RAISE EXCEPTION USING ERRCODE = '39P01',
            MESSAGE = 'kinde_claims.organizations_after_write() must fire AFTER INSERT, UPDATE or DELETE',
            HINT = 'Create it as AFTER INSERT OR UPDATE OR DELETE ... FOR EACH ROW.';
    END IF;
    IF TG_OP <> 'INSERT' THEN
        before := OLD.claims;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        after := NEW.claims;
        code := NEW.org_code;
        PERFORM kinde_claims.org_code_check(code);
        IF TG_OP = 'UPDATE' THEN
            PERFORM kinde_claims.key_unchanged(OLD.org_code, NEW.org_code, 'an organization''s org_code');
        END IF;
        -- As for profiles: claims stored earlier passed the rules of their time.
        IF before IS NULL OR after IS NULL OR before::text <> after::text THEN
            PERFORM kinde_claims.claims_column_check(after);
        END IF;
    ELSE
        code := OLD.org_code;
    END IF;
    -- Does the change change a token? Its JSON text counts, NULL and {} alike.
    IF kinde_claims.claims_empty(before) OR kinde_claims.claims_empty(after) THEN
        IF kinde_claims.claims_empty(before) = kinde_claims.claims_empty(after) THEN
            RETURN NULL;
        END IF;
    ELSIF before::text = after::text THEN
        RETURN NULL;
    END IF;
    -- pg_restore's COPY brings rows back in any order: the sums were checked and the members'
    -- tokens stored when the rows were first written.
    IF NOT kinde_claims.copy_from_into('kinde_claims.organizations') THEN
        PERFORM kinde_claims.memberships_follow(NULL, code,
            NOT kinde_claims.claims_empty(after) AND NOT kinde_claims.claims_equal(before, after));
    END IF;
    IF kinde_claims.claims_equal(before, after) OR kinde_claims.copy_from_into('kinde_claims.organizations') THEN
        RETURN NULL;
    END IF;
    INSERT INTO kinde_claims.claims_history
        (kinde_id, org_code, source, event_id, app_table, actor, jwt_role, old_claims, new_claims)
    SELECT t.kinde_id, code, c.source, c.event_id, c.app_table, c.actor, c.jwt_role, t.old_claims, t.new_claims
    FROM kinde_claims.history_context() c, (
        SELECT m.kinde_id,
               COALESCE(p.claims, '{}') || COALESCE(before, '{}') || m.claims
                   || jsonb_build_object('lifetime_subscriber', COALESCE(p.lifetime_subscriber, false)) AS old_claims,
               COALESCE(p.claims, '{}') || COALESCE(after, '{}') || m.claims
                   || jsonb_build_object('lifetime_subscriber', COALESCE(p.lifetime_subscriber, false)) AS new_claims
        FROM kinde_claims.memberships m
        LEFT JOIN kinde_claims.profiles p ON p.kinde_id = m.kinde_id
        WHERE m.org_code = code) t
    WHERE t.old_claims <> t.new_claims ORDER BY t.kinde_id;
    RETURN NULL;
END
$$;
