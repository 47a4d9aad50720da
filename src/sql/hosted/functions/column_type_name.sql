-- column_type_name(relation oid, column_name text) RETURNS text: the declared type of the column
-- as format_type writes it (a domain's own name), for messages.
CREATE OR REPLACE FUNCTION kinde_claims.column_type_name(relation oid, column_name text) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT pg_catalog.format_type(a.atttypid, NULL) FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = relation AND a.attname = column_name AND a.attnum > 0 AND NOT a.attisdropped;
END;
REVOKE ALL ON FUNCTION kinde_claims.column_type_name(oid, text) FROM PUBLIC;
