-- The plain migration's form of src/sql/functions/revoke_default_privileges.sql: the same
-- revokes, on the SQL edition's objects instead of an extension's members. Those are schema
-- kinde_claims with every table, sequence and function in it, and the API functions in public
-- (their signatures, written in by scripts/gen-sql from the migration's own COMMENT ON
-- FUNCTION lines). It takes PUBLIC's privileges where PUBLIC holds any (the default EXECUTE on a
-- new function), and from other roles only what default privileges gave (Supabase grants ALL on
-- new functions, tables and sequences in public to anon, authenticated and service_role), so an
-- upgrade keeps the operator's own grants. Called at the end of the migration and of every
-- upgrade; returns nothing; raises only what a REVOKE raises.
CREATE OR REPLACE FUNCTION kinde_claims.revoke_default_privileges() RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target record;
    grantee oid;
BEGIN
    FOR target IN
        SELECT 'FUNCTION ' || p.oid::regprocedure AS object, p.proacl AS acl, p.proowner AS owner
        FROM pg_proc p
        WHERE p.pronamespace = 'kinde_claims'::regnamespace
           OR p.oid IN (SELECT to_regprocedure('public.' || s) FROM unnest(@KC_API@) s)
        UNION ALL
        SELECT 'TABLE ' || c.oid::regclass, c.relacl, c.relowner
        FROM pg_class c
        WHERE c.relnamespace = 'kinde_claims'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
        UNION ALL
        SELECT 'SCHEMA kinde_claims', n.nspacl, n.nspowner FROM pg_namespace n WHERE n.nspname = 'kinde_claims'
    LOOP
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
