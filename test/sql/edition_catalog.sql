-- The catalog's view of the extension's functions, per edition (test/expected/edition_catalog.out
-- is the C++ edition's, test/expected/hosted/edition_catalog.out the SQL edition's;
-- docs/hosted.md#differences-between-the-editions): the SQL edition has more members (its
-- helpers), and its projection functions are SECURITY DEFINER where the C++ edition's check the
-- caller's privileges themselves (its importer is SECURITY INVOKER in both; its writer,
-- edition_import_writer). Who may call them is the same in both (privilege_attacks,
-- app_table_truncate, privileges).
CREATE EXTENSION kinde_claims;
-- Every kinde% function: SECURITY DEFINER, SET clause, owner (was privilege_attacks').
SELECT p.oid::regprocedure, p.prosecdef, p.proconfig, pg_get_userbyid(p.proowner) AS owner
FROM pg_proc p WHERE p.proname LIKE 'kinde%' ORDER BY p.oid::regprocedure::text;
-- The app-table projection functions (was app_table_truncate's).
SELECT p.oid::regprocedure, p.prosecdef
FROM pg_proc p WHERE p.proname LIKE 'kinde_claims_projection_%' ORDER BY 1;
DROP EXTENSION kinde_claims;
