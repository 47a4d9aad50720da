-- Takes every privilege on this extension's objects away from everyone but their owner:
-- PUBLIC's default EXECUTE, and the explicit grants that ALTER DEFAULT PRIVILEGES (Supabase
-- grants ALL to anon and authenticated in public) attached when they were created.
-- Only where there is something to take: it revokes from PUBLIC only where PUBLIC holds something,
-- and from other roles only what default privileges (ALTER DEFAULT PRIVILEGES) gave; each REVOKE
-- in an extension script records the ACL as initial privileges, and an operator's grant recorded
-- there would not be dumped. Every version's script calls it after creating objects; an update
-- keeps the operator's grants (the workflow's EXECUTE on kinde_claims_for among them), except
-- those to a role that a default privilege names (on Supabase anon, authenticated, service_role).
-- The objects are this extension's members (install/revoke_default_privileges_targets.sql); the
-- SQL edition's plain migration writes this function with its own list in their place
-- (src/sql/hosted/plain/install/).
CREATE OR REPLACE FUNCTION kinde_claims.revoke_default_privileges() RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target record;
    grantee oid;
BEGIN
    FOR target IN
\ir ../install/revoke_default_privileges_targets.sql
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
