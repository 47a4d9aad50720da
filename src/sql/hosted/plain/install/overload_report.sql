-- Routines named like an API function made before the install are reported, never dropped (the
-- plain migration's form: no extension's members to read, so the API is the list of signatures
-- signatures scripts/gen-sql writes in; the guard at the top already refused one with an API
-- function's very signature in public).
DO $$
DECLARE
    overloads text;
    named_like text;
BEGIN
    WITH api AS (
        SELECT p.oid, p.proname, p.pronamespace FROM pg_catalog.unnest(@KC_API@) s
        JOIN pg_catalog.pg_proc p ON p.oid = pg_catalog.to_regprocedure('public.' || s)
    )
    SELECT pg_catalog.string_agg(p.oid::regprocedure::text, ', ' ORDER BY p.oid::regprocedure::text)
             FILTER (WHERE p.pronamespace = 'public'::regnamespace),
           pg_catalog.string_agg(p.oid::regprocedure::text, ', ' ORDER BY p.oid::regprocedure::text)
             FILTER (WHERE p.pronamespace <> 'public'::regnamespace)
      INTO overloads, named_like
      FROM pg_catalog.pg_proc p
     WHERE p.proname IN (SELECT proname FROM api) AND p.oid NOT IN (SELECT oid FROM api);
    IF overloads IS NOT NULL THEN
        RAISE WARNING 'routines named like kinde_claims''s API functions share its schema: %', overloads
            USING DETAIL = 'PostgREST answers 300 PGRST203 to calls two functions could take.',
                  HINT = 'Drop or rename them; new ones are refused where the overload guard is installed.';
    END IF;
    IF named_like IS NOT NULL THEN
        RAISE WARNING 'routines in other schemas are named like kinde_claims''s API functions: %', named_like
            USING DETAIL = 'PostgREST answers a call from the first schema it exposes, or the profile header''s, that has the name.',
                  HINT = 'Drop or rename them; new ones are refused in every schema where the overload guard is installed.';
    END IF;
END
$$;
