-- Shared by the regression tests that let a role run kinde_claims_import, so the same test and
-- the same expected output run on both editions (test/hosted/run-regress), loaded with:
--   \getenv abs_srcdir PG_ABS_SRCDIR
--   \set grant_sql :abs_srcdir '/lib/grant.sql'
--   \i :grant_sql
-- pg_temp.kc_grant_import(role) grants what each edition's owner grants for it
-- (docs/importer.md): EXECUTE on kinde_claims_import; in the SQL edition also USAGE on schema
-- kinde_claims and EXECUTE on its owner-side writer, kinde_claims.import_write.
-- pg_temp.kc_revoke_import(role) takes the same away.
CREATE FUNCTION pg_temp.kc_grant_import(role name) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('GRANT EXECUTE ON FUNCTION kinde_claims_import(regclass) TO %I', role);
    IF to_regprocedure('kinde_claims.import_write(regclass, name, text[], boolean[], bigint[])') IS NOT NULL THEN
        EXECUTE format('GRANT USAGE ON SCHEMA kinde_claims TO %I', role);
        EXECUTE format('GRANT EXECUTE ON FUNCTION kinde_claims.import_write(regclass, name, text[], boolean[], bigint[]) TO %I',
                       role);
    END IF;
END
$$;
CREATE FUNCTION pg_temp.kc_revoke_import(role name) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('REVOKE ALL ON FUNCTION kinde_claims_import(regclass) FROM %I', role);
    IF to_regprocedure('kinde_claims.import_write(regclass, name, text[], boolean[], bigint[])') IS NOT NULL THEN
        EXECUTE format('REVOKE ALL ON FUNCTION kinde_claims.import_write(regclass, name, text[], boolean[], bigint[]) FROM %I',
                       role);
        EXECUTE format('REVOKE USAGE ON SCHEMA kinde_claims FROM %I', role);
    END IF;
END
$$;
