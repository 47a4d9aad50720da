-- column_base_type(relation oid, column_name text) RETURNS regtype: the type of the column named
-- exactly `column_name` (no case folding), through any domains to its base type; NULL when the
-- table has no such column.
CREATE OR REPLACE FUNCTION kinde_claims.column_base_type(relation oid, column_name text) RETURNS regtype
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    WITH RECURSIVE chain(type, base, depth) AS (
        SELECT t.oid, t.typbasetype, 0 FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
        WHERE a.attrelid = relation AND a.attname = column_name AND a.attnum > 0 AND NOT a.attisdropped
        UNION ALL
        SELECT t.oid, t.typbasetype, c.depth + 1 FROM chain c JOIN pg_catalog.pg_type t ON t.oid = c.base
        WHERE c.base <> 0 AND c.depth < 100)
    SELECT type::regtype FROM chain ORDER BY depth DESC LIMIT 1;
END;
REVOKE ALL ON FUNCTION kinde_claims.column_base_type(oid, text) FROM PUBLIC;
