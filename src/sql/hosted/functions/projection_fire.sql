-- projection_fire(function_name text, op text, fired_when text, fired_level text, relation oid,
-- trigger_name name, organization boolean, new_row anyelement, old_row anyelement) RETURNS void:
-- the body both projection trigger functions share (upsert_trigger in
-- kinde_profile_upsert_trigger.cpp), given their TG_OP, TG_WHEN, TG_LEVEL, TG_RELID, TG_NAME,
-- NEW and OLD: BEFORE TRUNCATE takes the rows' claims off (projection_truncate), an AFTER ROW
-- write projects the row (projection_row); fired any other way it raises 39P01 naming
-- `function_name`. A row is read through the mapped columns only (row_json), never to_jsonb of
-- the whole row, which would run the cast functions of other columns' types as the owner.
CREATE OR REPLACE FUNCTION kinde_claims.projection_fire(function_name text, op text, fired_when text,
        fired_level text, relation oid, trigger_name name, organization boolean, new_row anyelement,
        old_row anyelement) RETURNS void
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    spec jsonb;
BEGIN
    IF op = 'TRUNCATE' THEN
        IF fired_when <> 'BEFORE' THEN
            RAISE EXCEPTION USING ERRCODE = '39P01',
                MESSAGE = function_name || ' must fire BEFORE TRUNCATE, while the rows are still there',
                HINT = 'Create it as BEFORE TRUNCATE ... FOR EACH STATEMENT.';
        END IF;
        PERFORM kinde_claims.projection_truncate(kinde_claims.projection_spec(relation, trigger_name, organization));
        RETURN;
    END IF;
    IF fired_level <> 'ROW' THEN
        RAISE EXCEPTION USING ERRCODE = '39P01', MESSAGE = function_name || ' must be a FOR EACH ROW trigger';
    END IF;
    IF fired_when <> 'AFTER' THEN
        RAISE EXCEPTION USING ERRCODE = '39P01',
            MESSAGE = function_name || ' must fire AFTER INSERT, UPDATE or DELETE',
            HINT = 'Create it as AFTER INSERT OR UPDATE OR DELETE ... FOR EACH ROW.';
    END IF;
    spec := kinde_claims.projection_spec(relation, trigger_name, organization);
    PERFORM kinde_claims.projection_row(spec,
        CASE WHEN op <> 'DELETE' THEN kinde_claims.row_without_sql_nulls(spec, kinde_claims.row_json(spec, new_row), new_row) END,
        CASE WHEN op <> 'INSERT' THEN kinde_claims.row_without_sql_nulls(spec, kinde_claims.row_json(spec, old_row), old_row) END);
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.projection_fire(text, text, text, text, oid, name, boolean, anyelement, anyelement) FROM PUBLIC;
