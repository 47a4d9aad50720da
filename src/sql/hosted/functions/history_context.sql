-- history_context() RETURNS TABLE (source text, event_id text, app_table text, actor text,
-- jwt_role text): what every claims history entry written now records besides the change: the
-- source an API function set in kinde_claims_write.source ('sql' when none), its event_id and
-- app table, the acting role (acting_role) and the JWT's role (jwt_role). One row.
-- The source: an API function sets the transaction-local setting kinde_claims_write.source to
-- {"source": ..., "event_id": ..., "app_table": oid} around its write (history_source_push in
-- claims_history.cpp) with set_config(..., true) and puts back the value it found when its write
-- is done (history_source_pop); a (sub)transaction abort undoes both with the write. So a later
-- direct write in the same transaction is recorded as 'sql', as in the C++ edition. Unlike the
-- C++ edition's backend-local stack a direct writer of the tables can set it too, and so name the
-- source of its own write.
CREATE OR REPLACE FUNCTION kinde_claims.history_context()
    RETURNS TABLE (source text, event_id text, app_table text, actor text, jwt_role text)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    given jsonb := nullif(current_setting('kinde_claims_write.source', true), '')::jsonb;
BEGIN
    source := coalesce(given ->> 'source', 'sql');
    event_id := given ->> 'event_id';
    app_table := kinde_claims.app_table_name((given ->> 'app_table')::oid);
    actor := kinde_claims.acting_role();
    jwt_role := kinde_claims.jwt_role();
    RETURN NEXT;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.history_context() FROM PUBLIC;
