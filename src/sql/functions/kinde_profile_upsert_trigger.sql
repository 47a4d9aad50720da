-- The app attaches this to its own tables:
--   CREATE TRIGGER ... AFTER INSERT OR UPDATE OR DELETE ON app_table FOR EACH ROW
--     EXECUTE FUNCTION kinde_profile_upsert_trigger('user_id_column', 'claim=column', ...);
-- SECURITY DEFINER: it writes kinde_claims.profiles with the extension owner's rights, so the
-- table's owner needs only EXECUTE (checked by CREATE TRIGGER). It reads nothing but the row it
-- is given and names everything schema-qualified.
CREATE OR REPLACE FUNCTION @extschema@.kinde_profile_upsert_trigger() RETURNS trigger
    AS 'MODULE_PATHNAME', 'kinde_profile_upsert_trigger'
    LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_profile_upsert_trigger() IS
    'AFTER ROW trigger: keeps the claims mapped by its arguments (user-id column, then claim=column ...) in step with the row';
