-- app_table_name(relation oid) RETURNS text: a table's schema-qualified, quoted name, for a
-- history entry's app table and for messages; NULL for NULL or a table that no longer exists.
CREATE OR REPLACE FUNCTION kinde_claims.app_table_name(relation oid) RETURNS text
    LANGUAGE sql STABLE
    RETURN (SELECT pg_catalog.quote_ident(n.nspname) OPERATOR(pg_catalog.||) '.'
                   OPERATOR(pg_catalog.||) pg_catalog.quote_ident(c.relname)
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
            WHERE c.oid OPERATOR(pg_catalog.=) relation);
REVOKE ALL ON FUNCTION kinde_claims.app_table_name(oid) FROM PUBLIC;
