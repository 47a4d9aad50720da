-- kinde_profile_upsert_trigger() RETURNS trigger: the projection trigger an app attaches to its
-- own user-keyed tables (first argument the user-id column; it writes
-- kinde_claims.profiles), then one argument per claim, claim=column or a column named like its
-- claim:
--   CREATE TRIGGER ... AFTER INSERT OR UPDATE OR DELETE ON app_table FOR EACH ROW
--     EXECUTE FUNCTION kinde_profile_upsert_trigger('key_column', 'claim=column', ...);
-- and with the same arguments as a BEFORE TRUNCATE ... FOR EACH STATEMENT trigger. Every write
-- goes through the tables' own triggers (the rules, the tokens, the history: source 'trigger' or
-- 'truncate'). Errors (projection_fire, projection_spec, projected_claims, projection_row) name
-- the trigger and its table. Fired any other way: 39P01. SECURITY DEFINER: the app table's owner
-- needs only EXECUTE.
CREATE OR REPLACE FUNCTION @extschema@.kinde_profile_upsert_trigger() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM kinde_claims.projection_fire(
        'kinde_profile_upsert_trigger()', TG_OP, TG_WHEN, TG_LEVEL, TG_RELID, TG_NAME,
        false, NEW, OLD);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_profile_upsert_trigger() IS
    'AFTER ROW trigger: keeps the claims mapped by its arguments (user-id column, then claim=column ...) in step with the row';
