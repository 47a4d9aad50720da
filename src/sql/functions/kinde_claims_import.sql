-- SECURITY INVOKER: the source is read with the caller's own privileges; only the write into
-- kinde_claims.profiles switches to that table's owner, inside the C code.
CREATE OR REPLACE FUNCTION @extschema@.kinde_claims_import(source regclass) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kinde_claims_import'
    LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_claims_import(regclass) IS
    'Imports the tutorial''s profiles (kinde_id, lifetime_subscriber) table; returns how many profiles it created or made subscribers';
