        -- The plain migration's objects (src/sql/hosted/plain/install/): no extension's members to
        -- read, so schema kinde_claims with every table, sequence and function in it, and the API
        -- functions in public, by the signatures scripts/gen-sql writes in.
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
