-- kinde_claims 0.2.0 -> 0.3.0: projection: kinde_profile_upsert_trigger() for the app's own tables, and kinde_claims_import(regclass).
\echo Use "ALTER EXTENSION kinde_claims UPDATE TO '0.3.0'" to load this file. \quit

-- Replaced before anything else, in every update script: the earlier body revoked every grant on
-- the extension's objects, so each ALTER EXTENSION ... UPDATE silently took away the operator's
-- grants (the workflow's EXECUTE on kinde_claims_for among them). It now takes away only PUBLIC's
-- default EXECUTE and grants that default privileges (ALTER DEFAULT PRIVILEGES) gave, and revokes
-- from PUBLIC only where PUBLIC holds something (each REVOKE in an extension script records the
-- ACL as initial privileges, and an operator's grant recorded there would not be dumped).
CREATE OR REPLACE FUNCTION kinde_claims.revoke_default_privileges() RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target record;
    grantee oid;
BEGIN
    FOR target IN
        WITH member AS (
            SELECT d.classid, d.objid FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
            WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND e.extname = 'kinde_claims')
        SELECT 'FUNCTION ' || p.oid::regprocedure AS object, p.proacl AS acl, p.proowner AS owner
        FROM member m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
        UNION ALL
        SELECT 'TABLE ' || c.oid::regclass, c.relacl, c.relowner
        FROM member m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
        UNION ALL
        SELECT 'SCHEMA ' || quote_ident(n.nspname), n.nspacl, n.nspowner
        FROM member m JOIN pg_namespace n ON m.classid = 'pg_namespace'::regclass AND n.oid = m.objid
    LOOP
        -- Only where there is something to take: inside an extension script every REVOKE also
        -- records the object's ACL as the extension's initial privileges, and an administrator's
        -- grant recorded there would no longer be dumped by pg_dump.
        IF target.acl IS NULL OR EXISTS (SELECT FROM aclexplode(target.acl) a WHERE a.grantee = 0) THEN
            EXECUTE format('REVOKE ALL ON %s FROM PUBLIC', target.object);
        END IF;
        FOR grantee IN
            SELECT DISTINCT a.grantee FROM aclexplode(target.acl) a
            WHERE a.grantee <> 0 AND a.grantee <> target.owner
              AND EXISTS (SELECT FROM pg_default_acl d, aclexplode(d.defaclacl) g
                          WHERE d.defaclrole = target.owner AND g.grantee = a.grantee)
        LOOP
            EXECUTE format('REVOKE ALL ON %s FROM %I', target.object, pg_get_userbyid(grantee));
        END LOOP;
    END LOOP;
END
$$;


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
