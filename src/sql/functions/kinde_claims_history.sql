-- Not on any hot path: plain SQL, with the search_path pinned and the tables schema-qualified.
-- org_code comes last (0.7.0 added it), so a caller of 0.6.0 reading columns by name or position
-- reads what it read. Each half of the history is read apart: the unpushed entries from the
-- unpushed index (keyed by id: it holds only what sync has not pushed yet), the pushed ones from
-- the pushed index (kinde_id, id). A change of its result type cannot be a CREATE OR REPLACE:
-- see the function-replacing helper of sql/kinde_claims--0.6.0--0.7.0.sql.
CREATE OR REPLACE FUNCTION @extschema@.kinde_claims_history(user_id text)
    RETURNS TABLE (changed_at timestamptz, source text, actor text, old_claims jsonb, new_claims jsonb,
                   event_id text, app_table text, jwt_role text, pushed_at timestamptz, push_outcome text,
                   org_code text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF user_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'user_id must not be null';
    END IF;
    RETURN QUERY
        SELECT h.changed_at, h.source::text, h.actor, h.old_claims, h.new_claims, h.event_id::text,
               h.app_table, h.jwt_role, h.pushed_at, h.push_outcome::text, h.org_code::text
        FROM (SELECT u.* FROM kinde_claims.claims_history u
              WHERE u.kinde_id = user_id COLLATE "C" AND u.pushed_at IS NULL
              UNION ALL
              SELECT p.* FROM kinde_claims.claims_history p
              WHERE p.kinde_id = user_id COLLATE "C" AND p.pushed_at IS NOT NULL) h
        ORDER BY h.id DESC;
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_claims_history(text) IS
    'A user''s token changes, newest first: when, source, actor, the claims before and after, whether sync pushed it, and the organization (org_code) for an organization''s or membership''s change';
