-- projected_row_sql(spec jsonb, source text) RETURNS text: the SQL expression that turns an app
-- table's row (`source`: a row alias such as t, or ($1)) into the JSON object of only the columns
-- the trigger maps (its key, its flag, its claims), as to_jsonb would write them. Never to_jsonb
-- of the whole row: that would convert every column, and a column of a type of the table owner's
-- with a cast to json would run the cast's function as this function's owner. The mapped columns
-- are of built-in types or domains over them (projection_spec), whose conversion runs no user
-- code. In chunks of 40 columns (jsonb_build_object takes at most 100 arguments).
CREATE OR REPLACE FUNCTION kinde_claims.projected_row_sql(spec jsonb, source text) RETURNS text
    LANGUAGE sql IMMUTABLE
BEGIN ATOMIC
    SELECT COALESCE(pg_catalog.string_agg(chunk.expr, ' OPERATOR(pg_catalog.||) '), '''{}''::pg_catalog.jsonb')
    FROM (SELECT 'pg_catalog.jsonb_build_object('
                 OPERATOR(pg_catalog.||) pg_catalog.string_agg(pg_catalog.format('%L, %s.%I', c.col, source, c.col), ', ')
                 OPERATOR(pg_catalog.||) ')' AS expr
          FROM (SELECT cols.col, (pg_catalog.row_number() OVER ()) OPERATOR(pg_catalog.-) 1 AS n
                FROM (SELECT DISTINCT one.col
                      FROM (SELECT spec OPERATOR(pg_catalog.->>) 'key_column' AS col
                            UNION ALL SELECT spec OPERATOR(pg_catalog.->>) 'flag_column'
                            UNION ALL SELECT e OPERATOR(pg_catalog.->>) 'column'
                                      FROM pg_catalog.jsonb_array_elements(spec OPERATOR(pg_catalog.->) 'claims') e) one
                      WHERE one.col IS NOT NULL) cols) c
          GROUP BY c.n OPERATOR(pg_catalog./) 40) chunk;
END;
REVOKE ALL ON FUNCTION kinde_claims.projected_row_sql(jsonb, text) FROM PUBLIC;
