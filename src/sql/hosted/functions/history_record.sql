-- history_record(kinde_id text, old_claims jsonb, new_claims jsonb) RETURNS void: adds the claims
-- history entry of one change of a user's own token (history_record in claims_history.cpp), with
-- history_context's source, event_id, app table, actor and JWT role. SECURITY DEFINER: the writer
-- may be any role the owner let write the table; the history is the owner's. Nothing is added
-- under pg_restore's COPY into kinde_claims.profiles itself (the dump carries the history too).
CREATE OR REPLACE FUNCTION kinde_claims.history_record(kinde_id text, old_claims jsonb, new_claims jsonb)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF kinde_claims.copy_from_into('kinde_claims.profiles') THEN
        RETURN;
    END IF;
    INSERT INTO kinde_claims.claims_history
        (kinde_id, source, event_id, app_table, actor, jwt_role, old_claims, new_claims)
    SELECT history_record.kinde_id, c.source, c.event_id, c.app_table, c.actor, c.jwt_role, old_claims, new_claims
    FROM kinde_claims.history_context() c;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.history_record(text, jsonb, jsonb) FROM PUBLIC;
