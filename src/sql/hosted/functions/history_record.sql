-- history_record(kinde_id text, old_claims jsonb, new_claims jsonb) RETURNS void: adds the claims
-- history entry of one change of a user's token (history_record in claims_history.cpp): the
-- source the API function set ('sql' when none), the acting role (SET ROLE's role,
-- else the session user) and the JWT's role (request.jwt.claims' "role", as PostgREST sets it).
-- SECURITY DEFINER: the writer may be any role the owner let write the table; the history is
-- the owner's. Nothing is added under pg_restore's COPY into kinde_claims.profiles itself (the
-- dump carries the history too).
-- The source: an API function sets the transaction-local setting kinde_claims_write.source to
-- {"source": ..., "event_id": ..., "app_table": oid} around its write (history_source_push in
-- claims_history.cpp); its SET clause puts back the caller's value when it returns, and a
-- (sub)transaction abort undoes it with the write. Unlike the C++ edition's backend-local stack a
-- direct writer of kinde_claims.profiles can set it too, and so name the source of its own write.
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
REVOKE ALL ON FUNCTION kinde_claims.history_record(text, jsonb, jsonb) FROM PUBLIC;
