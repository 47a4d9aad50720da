-- row_without_sql_nulls(spec jsonb, row_json jsonb, row_value anyelement) RETURNS jsonb: an app
-- table's row as to_jsonb gave it, less the jsonb claim columns that are SQL NULL: to_jsonb writes
-- both a SQL NULL and the JSON value null as null, and only the first leaves its claim out.
CREATE OR REPLACE FUNCTION kinde_claims.row_without_sql_nulls(spec jsonb, row_json jsonb, row_value anyelement)
    RETURNS jsonb
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    col text;
    is_null boolean;
BEGIN
    FOR col IN SELECT c ->> 'column' FROM jsonb_array_elements(spec -> 'claims') c
               WHERE c ->> 'type' = 'jsonb' AND jsonb_typeof(row_json -> (c ->> 'column')) = 'null' LOOP
        EXECUTE format('SELECT ($1).%I IS NULL', col) INTO is_null USING row_value;
        IF is_null THEN
            row_json := row_json - col;
        END IF;
    END LOOP;
    RETURN row_json;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.row_without_sql_nulls(jsonb, jsonb, anyelement) FROM PUBLIC;
