-- kinde_profile_upsert_trigger() RETURNS trigger: the projection trigger an app attaches to its
-- own user-keyed tables (first argument the user-id column; it writes
-- kinde_claims.profiles), then one argument per claim, claim=column or a column named like its
-- claim:
--   CREATE TRIGGER ... AFTER INSERT OR UPDATE OR DELETE ON app_table FOR EACH ROW
--     EXECUTE FUNCTION kinde_profile_upsert_trigger('key_column', 'claim=column', ...);
-- and with the same arguments as a BEFORE TRUNCATE ... FOR EACH STATEMENT trigger. Every write
-- goes through the tables' own triggers (the rules, the tokens, the history: source 'trigger' or
-- 'truncate'). Errors (projection_spec, projected_claims, projection_row) name the trigger and its
-- table. Fired any other way: 39P01. SECURITY DEFINER: the app table's owner needs only EXECUTE.
CREATE OR REPLACE FUNCTION @extschema@.kinde_profile_upsert_trigger() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    spec jsonb;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF TG_WHEN <> 'BEFORE' THEN
            RAISE EXCEPTION USING ERRCODE = '39P01',
                MESSAGE = 'kinde_profile_upsert_trigger() must fire BEFORE TRUNCATE, while the rows are still there',
                HINT = 'Create it as BEFORE TRUNCATE ... FOR EACH STATEMENT.';
        END IF;
        PERFORM kinde_claims.projection_truncate(kinde_claims.projection_spec(TG_RELID, TG_NAME, false));
        RETURN NULL;
    END IF;
    IF TG_LEVEL <> 'ROW' THEN
        RAISE EXCEPTION USING ERRCODE = '39P01',
            MESSAGE = 'kinde_profile_upsert_trigger() must be a FOR EACH ROW trigger';
    END IF;
    IF TG_WHEN <> 'AFTER' THEN
        RAISE EXCEPTION USING ERRCODE = '39P01',
            MESSAGE = 'kinde_profile_upsert_trigger() must fire AFTER INSERT, UPDATE or DELETE',
            HINT = 'Create it as AFTER INSERT OR UPDATE OR DELETE ... FOR EACH ROW.';
    END IF;
    spec := kinde_claims.projection_spec(TG_RELID, TG_NAME, false);
    PERFORM kinde_claims.projection_row(spec,
        CASE WHEN TG_OP <> 'DELETE' THEN kinde_claims.row_without_sql_nulls(spec, to_jsonb(NEW), NEW) END,
        CASE WHEN TG_OP <> 'INSERT' THEN kinde_claims.row_without_sql_nulls(spec, to_jsonb(OLD), OLD) END);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_profile_upsert_trigger() IS
    'AFTER ROW trigger: keeps the claims mapped by its arguments (user-id column, then claim=column ...) in step with the row';
