-- row_json(spec jsonb, row_value anyelement) RETURNS jsonb: projected_row_sql of one row value.
CREATE OR REPLACE FUNCTION kinde_claims.row_json(spec jsonb, row_value anyelement) RETURNS jsonb
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result jsonb;
BEGIN
    EXECUTE 'SELECT ' || kinde_claims.projected_row_sql(spec, '($1)') INTO result USING row_value;
    RETURN result;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.row_json(jsonb, anyelement) FROM PUBLIC;
