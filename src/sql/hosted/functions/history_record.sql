-- history_record(kinde_id text, old_claims jsonb, new_claims jsonb) RETURNS void: adds the claims
-- history entry of one change of a user's token (history_record in claims_history.cpp): the
-- source the API function set (write_source; 'sql' when none), the acting role (SET ROLE's role,
-- else the session user) and the JWT's role (request.jwt.claims' "role", as PostgREST sets it).
-- SECURITY DEFINER: the writer may be any role the owner let write the table; the history is
-- the owner's. Nothing is added under pg_restore's COPY into kinde_claims.profiles itself (the
-- dump carries the history too).
CREATE OR REPLACE FUNCTION kinde_claims.history_record(kinde_id text, old_claims jsonb, new_claims jsonb)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    source jsonb := nullif(current_setting('kinde_claims_write.source', true), '')::jsonb;
BEGIN
    IF kinde_claims.copy_from_into('kinde_claims.profiles') THEN
        RETURN;
    END IF;
    INSERT INTO kinde_claims.claims_history
        (kinde_id, source, event_id, app_table, actor, jwt_role, old_claims, new_claims)
    VALUES (kinde_id, coalesce(source ->> 'source', 'sql'), source ->> 'event_id',
            kinde_claims.app_table_name((source ->> 'app_table')::oid), kinde_claims.acting_role(),
            kinde_claims.jwt_role(), old_claims, new_claims);
END
$$;
