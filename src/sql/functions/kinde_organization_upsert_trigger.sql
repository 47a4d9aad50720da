-- The app attaches this to its organization-keyed tables, as kinde_profile_upsert_trigger to its
-- user-keyed ones:
--   CREATE TRIGGER ... AFTER INSERT OR UPDATE OR DELETE ON org_subscriptions FOR EACH ROW
--     EXECUTE FUNCTION kinde_organization_upsert_trigger('org_code', 'plan', 'seats');
CREATE OR REPLACE FUNCTION @extschema@.kinde_organization_upsert_trigger() RETURNS trigger
    AS 'MODULE_PATHNAME', 'kinde_organization_upsert_trigger'
    LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_organization_upsert_trigger() IS
    'AFTER ROW trigger: keeps the organization claims mapped by its arguments (org-code column, then claim=column ...) in step with the row';
