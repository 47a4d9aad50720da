-- The repair of what kinde_claims_projection_check reports (see there).
CREATE OR REPLACE FUNCTION @extschema@.kinde_claims_projection_repair(app_table regclass)
    RETURNS TABLE (trigger_name name, target text, id text, stored jsonb, projected jsonb)
    AS 'MODULE_PATHNAME', 'kinde_claims_projection_repair'
    LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_claims_projection_repair(regclass) IS
    'Rewrites the claims kinde_claims_projection_check reports through the projection triggers'' own write path (history source repair); returns what it rewrote';
