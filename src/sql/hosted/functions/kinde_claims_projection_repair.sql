-- kinde_claims_projection_repair(app_table regclass) RETURNS TABLE (trigger_name name, target text,
-- id text, stored jsonb, projected jsonb): the users and organizations whose stored claims disagree
-- with what the app table's rows project through its projection triggers, each rewritten to what
-- the rows say (history source 'repair'); the table's writers wait until it commits. See
-- kinde_claims.projection_disagreements for the rules and errors. Nobody but the owner may run it
-- until granted. SECURITY DEFINER in the SQL edition (the C++ edition is SECURITY INVOKER and
-- switches to the owner for the stored claims only): the acting role's SELECT privilege on the
-- app table and its row-level security are checked instead.
CREATE OR REPLACE FUNCTION @extschema@.kinde_claims_projection_repair(app_table regclass)
    RETURNS TABLE (trigger_name name, target text, id text, stored jsonb, projected jsonb)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY SELECT * FROM kinde_claims.projection_disagreements(app_table, true);
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_claims_projection_repair(regclass) IS
    'Rewrites the claims kinde_claims_projection_check reports through the projection triggers'' own write path (history source repair); returns what it rewrote';
