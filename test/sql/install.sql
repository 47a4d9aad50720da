-- Installing, dropping and re-creating the extension; what it creates and registers.
CREATE EXTENSION kinde_claims;
SELECT extversion = default_version AS is_default_version FROM pg_extension, pg_available_extensions WHERE extname = 'kinde_claims' AND name = extname;

-- The API functions sit in the extension's schema; their properties. Every object the extension
-- owns, what pg_dump keeps of it and which functions are SECURITY DEFINER differ between the
-- editions: edition_catalog lists them.
SELECT p.oid::regprocedure AS function, p.provolatile, p.proparallel, p.proisstrict, p.proconfig
FROM pg_proc p
WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'kinde%'
ORDER BY p.oid::regprocedure::text;

-- The table: columns, the unique index on kinde_id, RLS on, kept by pg_dump.
SELECT attname, format_type(atttypid, atttypmod), attnotnull,
       (SELECT collname FROM pg_collation WHERE oid = attcollation) AS collation
FROM pg_attribute WHERE attrelid = 'kinde_claims.profiles'::regclass AND attnum > 0 ORDER BY attnum;
SELECT indexrelid::regclass, indisunique FROM pg_index
WHERE indrelid = 'kinde_claims.profiles'::regclass ORDER BY 1;
SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'kinde_claims.profiles'::regclass;
-- pg_dump keeps the rows of every table and sequence of the extension (edition_catalog lists them).
SELECT c.oid::regclass AS not_dumped FROM pg_class c
WHERE c.relnamespace = 'kinde_claims'::regnamespace AND c.relkind IN ('r', 'S')
  AND c.oid NOT IN (SELECT unnest(extconfig) FROM pg_extension WHERE extname = 'kinde_claims')
ORDER BY 1;
SELECT tgname, tgenabled FROM pg_trigger
WHERE tgrelid = 'kinde_claims.profiles'::regclass AND NOT tgisinternal ORDER BY 1;

-- No privileges for anyone but the owner, on any object.
SELECT count(*) AS acl_entries_for_others FROM (
  SELECT a.grantee, p.proowner AS owner FROM pg_proc p, aclexplode(p.proacl) a
  WHERE p.proname LIKE 'kinde%' OR p.pronamespace = 'kinde_claims'::regnamespace
  UNION ALL
  SELECT a.grantee, c.relowner FROM pg_class c, aclexplode(c.relacl) a
  WHERE c.relnamespace = 'kinde_claims'::regnamespace
) acl WHERE grantee <> owner;
SELECT has_function_privilege('public', 'kinde_claims_for(text, text)', 'EXECUTE') AS public_can_execute;

-- A drop removes everything and a fresh create works in the same session.
SELECT kinde_profile_upsert('kp_install1', true);
DROP EXTENSION kinde_claims;
SELECT count(*) AS leftover FROM pg_namespace WHERE nspname = 'kinde_claims';
SELECT count(*) AS leftover FROM pg_proc WHERE proname LIKE 'kinde%';
CREATE EXTENSION kinde_claims;
SELECT kinde_claims_for('kp_install1');
SELECT kinde_profile_upsert('kp_install1', true);
SELECT kinde_claims_for('kp_install1');
DROP EXTENSION kinde_claims;
