-- The SQL edition's owner-side writer of kinde_claims_import, kinde_claims.import_write
-- (docs/hosted.md#differences-between-the-editions): kinde_claims_import is SECURITY INVOKER in
-- both editions; the SQL edition's checks and write run as the owner in that SECURITY DEFINER
-- function, which nobody but the owner may run until granted, and which a role granted
-- kinde_claims_import is granted too (test/lib/grant.sql). The C++ edition has no such function
-- (test/expected/edition_import_writer.out; the SQL edition's: test/expected/hosted/).
CREATE EXTENSION kinde_claims;
\set SHOW_CONTEXT never
SELECT to_regprocedure('kinde_claims.import_write(regclass, name, text[], boolean[], bigint[])') IS NOT NULL
    AS sql_edition \gset
SELECT p.oid::regprocedure, p.prosecdef FROM pg_proc p WHERE p.proname IN ('kinde_claims_import', 'import_write')
ORDER BY p.proname;
\if :sql_edition
-- Nobody but the owner may run it: not PUBLIC, not a role with USAGE on the schema.
SELECT has_function_privilege('public', 'kinde_claims.import_write(regclass, name, text[], boolean[], bigint[])',
                              'EXECUTE') AS public_may_run;
CREATE ROLE regress_kc_writer_nobody;
GRANT USAGE ON SCHEMA kinde_claims TO regress_kc_writer_nobody;
SET ROLE regress_kc_writer_nobody;
SELECT * FROM kinde_claims.import_write(NULL, NULL, ARRAY['kp_forged'], ARRAY[true], ARRAY[1::bigint]);
\echo SQLSTATE :SQLSTATE
RESET ROLE;
-- Granted kinde_claims_import alone, a role reaches the writer's schema no further.
REVOKE USAGE ON SCHEMA kinde_claims FROM regress_kc_writer_nobody;
GRANT EXECUTE ON FUNCTION kinde_claims_import(regclass) TO regress_kc_writer_nobody;
CREATE TABLE tutorial (kinde_id text, lifetime_subscriber boolean);
INSERT INTO tutorial VALUES ('kp_tutorial', true);
GRANT SELECT ON tutorial TO regress_kc_writer_nobody;
SET ROLE regress_kc_writer_nobody;
SELECT kinde_claims_import('tutorial');
\echo SQLSTATE :SQLSTATE
RESET ROLE;
SELECT count(*) AS forged_or_imported FROM kinde_claims.profiles;
-- What a batch writes: valid ids only, each invalid one counted (its rows too) and quoted.
SELECT * FROM kinde_claims.import_write(NULL, NULL, ARRAY[NULL, 'bad', 'kp_ok'], ARRAY[true, true, true],
                                        ARRAY[1, 2, 1]::bigint[]);
SELECT kinde_id, lifetime_subscriber FROM kinde_claims.profiles ORDER BY 1;
-- Before the read it checks the source (kinde_ids NULL): here a relation that is not one.
SELECT * FROM kinde_claims.import_write('pg_class_oid_index', 'postgres', NULL, NULL, NULL);
\echo SQLSTATE :SQLSTATE
REVOKE ALL ON FUNCTION kinde_claims_import(regclass) FROM regress_kc_writer_nobody;
DROP TABLE tutorial;
DROP ROLE regress_kc_writer_nobody;
\endif
DROP EXTENSION kinde_claims;
