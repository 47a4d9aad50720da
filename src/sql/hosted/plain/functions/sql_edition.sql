-- kinde_claims.sql_edition() RETURNS text: the version of kinde_claims's SQL edition installed in
-- this database, e.g. '0.9.0'. Private (the owner's only, like the schema). The plain migration
-- creates it and every upgrade migration replaces it; their guards read the version from the
-- catalog (pg_proc.prosrc, readable by every role) rather than calling it, so any role running
-- a migration twice gets the clear error. pg_dump keeps it, so a restored database still says
-- what it holds. The pg_tle package has none: there pg_extension.extversion says it.
CREATE OR REPLACE FUNCTION kinde_claims.sql_edition() RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$SELECT '@KC_VERSION@'::pg_catalog.text$$;
COMMENT ON FUNCTION kinde_claims.sql_edition() IS
    'The version of kinde_claims''s SQL edition installed here (read by the hosted/ migrations)';
