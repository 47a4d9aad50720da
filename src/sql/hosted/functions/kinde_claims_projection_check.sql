-- kinde_claims_projection_check(app_table regclass) RETURNS TABLE (trigger_name name, target text,
-- id text, stored jsonb, projected jsonb): the users and organizations whose stored claims disagree
-- with what the app table's rows project through its projection triggers (target 'user' or
-- 'organization'; stored NULL: no profile or organization at all). See
-- kinde_claims.projection_disagreements for the rules and errors. Nobody but the owner may run it
-- until granted. SECURITY DEFINER in the SQL edition (the C++ edition is SECURITY INVOKER and
-- switches to the owner for the stored claims only): the acting role's SELECT privilege on the
-- app table and its row-level security are checked instead.
CREATE OR REPLACE FUNCTION @extschema@.kinde_claims_projection_check(app_table regclass)
    RETURNS TABLE (trigger_name name, target text, id text, stored jsonb, projected jsonb)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY SELECT * FROM kinde_claims.projection_disagreements(app_table, false);
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_claims_projection_check(regclass) IS
    'The users and organizations whose stored claims disagree with what the app table''s rows project through its projection triggers';
