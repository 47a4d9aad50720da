-- kinde_claims 0.2.0 -> 0.3.0: projection: kinde_profile_upsert_trigger() for the app's own tables, and kinde_claims_import(regclass).
\echo Use "ALTER EXTENSION kinde_claims UPDATE TO '0.3.0'" to load this file. \quit

-- The app attaches this to its own tables:
--   CREATE TRIGGER ... AFTER INSERT OR UPDATE OR DELETE ON app_table FOR EACH ROW
--     EXECUTE FUNCTION kinde_profile_upsert_trigger('user_id_column', 'claim=column', ...);
-- SECURITY DEFINER: it writes kinde_claims.profiles with the extension owner's rights, so the
-- table's owner needs only EXECUTE (checked by CREATE TRIGGER). It reads nothing but the row it
-- is given and names everything schema-qualified.
CREATE FUNCTION @extschema@.kinde_profile_upsert_trigger() RETURNS trigger
    AS 'MODULE_PATHNAME', 'kinde_profile_upsert_trigger'
    LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_profile_upsert_trigger() IS
    'AFTER ROW trigger: keeps the claims mapped by its arguments (user-id column, then claim=column ...) in step with the row';

-- SECURITY INVOKER: the source is read with the caller's own privileges; only the write into
-- kinde_claims.profiles switches to that table's owner, inside the C code.
CREATE FUNCTION @extschema@.kinde_claims_import(source regclass) RETURNS bigint
    AS 'MODULE_PATHNAME', 'kinde_claims_import'
    LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_claims_import(regclass) IS
    'Imports the tutorial''s profiles (kinde_id, lifetime_subscriber) table; returns how many profiles it created or made subscribers';

-- Every version's script ends by taking default privileges off the objects it created.
SELECT kinde_claims.revoke_default_privileges();
