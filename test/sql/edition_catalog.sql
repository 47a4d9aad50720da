-- The catalog's view of the extension, per edition (test/expected/edition_catalog.out is the C++
-- edition's, test/expected/hosted/edition_catalog.out the SQL edition's;
-- docs/hosted.md#differences-between-the-editions): the SQL edition has more members (its helpers
-- in schema kinde_claims and its settings table), written in PL/pgSQL and SQL, and its importer
-- and projection functions are SECURITY DEFINER where the C++ edition's check the caller's
-- privileges themselves. Who may call them is the same in both (privilege_attacks,
-- app_table_truncate, privileges); what both editions share is asserted by install and
-- search_path_attacks.
CREATE EXTENSION kinde_claims;
-- Every object the extension owns (was install's; test/suites/05-docs reads the C++ edition's
-- listing to check the functions the docs quote).
SELECT pg_describe_object(classid, objid, 0) AS member
FROM pg_depend
WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'kinde_claims')
ORDER BY 1;
-- The tables and sequences pg_dump keeps the rows of (was install's).
SELECT (SELECT array_agg(c::regclass ORDER BY c::regclass::text) FROM unnest(extconfig) c) AS dumped
FROM pg_extension WHERE extname = 'kinde_claims';
-- Every kinde% function: SECURITY DEFINER, SET clause, owner (was privilege_attacks').
SELECT p.oid::regprocedure, p.prosecdef, p.proconfig, pg_get_userbyid(p.proowner) AS owner
FROM pg_proc p WHERE p.proname LIKE 'kinde%' ORDER BY p.oid::regprocedure::text;
-- The app-table projection functions (was app_table_truncate's).
SELECT p.oid::regprocedure, p.prosecdef
FROM pg_proc p WHERE p.proname LIKE 'kinde_claims_projection_%' ORDER BY 1;
-- Which functions rely on search_path (was search_path_attacks'): those not written in C that
-- neither pin it nor have a SQL-standard body (none in the C++ edition; in the SQL edition the
-- two SECURITY DEFINER functions search_path_attacks attacks, which qualify every name), and
-- those with a SQL-standard body, whose objects are bound when it is created (the C++ edition's
-- kinde_claims.member_token, which a SET clause would keep the planner from inlining).
SELECT p.oid::regprocedure AS unpinned_function, l.lanname
FROM pg_depend d
JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
JOIN pg_language l ON l.oid = p.prolang
WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'kinde_claims')
  AND l.lanname <> 'c' AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)
  AND p.prosqlbody IS NULL
ORDER BY p.oid::regprocedure::text;
SELECT p.oid::regprocedure AS bound_when_created, p.prosecdef, p.proacl
FROM pg_depend d
JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'kinde_claims')
  AND p.prosqlbody IS NOT NULL
ORDER BY p.oid::regprocedure::text;
DROP EXTENSION kinde_claims;
