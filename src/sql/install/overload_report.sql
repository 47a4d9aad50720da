-- Routines named like an API function made before the install are reported, never dropped.
-- WARNING, not NOTICE: Postgres runs extension scripts with client_min_messages raised to WARNING.
DO $$
DECLARE
    overloads text;
    named_like text;
BEGIN
    SELECT string_agg(p.oid::regprocedure::text, ', ' ORDER BY p.oid::regprocedure::text) INTO overloads
      FROM pg_proc p
      JOIN pg_extension e ON e.extname = 'kinde_claims' AND p.pronamespace = e.extnamespace
     WHERE NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                         AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e')
       AND p.proname IN (SELECT m.proname FROM pg_proc m JOIN pg_depend d ON d.classid = 'pg_proc'::regclass
                           AND d.objid = m.oid AND d.refobjid = e.oid AND d.deptype = 'e'
                          WHERE m.pronamespace = e.extnamespace);
    IF overloads IS NOT NULL THEN
        RAISE WARNING 'routines named like kinde_claims''s API functions share its schema: %', overloads
            USING DETAIL = 'PostgREST answers 300 PGRST203 to calls two functions could take.',
                  HINT = 'Drop or rename them; new ones are now refused.';
    END IF;
    SELECT string_agg(p.oid::regprocedure::text, ', ' ORDER BY p.oid::regprocedure::text) INTO named_like
      FROM pg_proc p
      JOIN pg_extension e ON e.extname = 'kinde_claims' AND p.pronamespace <> e.extnamespace
     WHERE NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                         AND d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid AND d.deptype = 'e')
       AND p.proname IN (SELECT m.proname FROM pg_proc m JOIN pg_depend d ON d.classid = 'pg_proc'::regclass
                           AND d.objid = m.oid AND d.refobjid = e.oid AND d.deptype = 'e'
                          WHERE m.pronamespace = e.extnamespace);
    IF named_like IS NOT NULL THEN
        RAISE WARNING 'routines in other schemas are named like kinde_claims''s API functions: %', named_like
            USING DETAIL = 'PostgREST answers a call from the first schema it exposes, or the profile header''s, that has the name.',
                  HINT = 'Drop or rename them; new ones are now refused in every schema.';
    END IF;
END
$$;
