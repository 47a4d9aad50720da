        WITH member AS (
            SELECT d.classid, d.objid FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
            WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND e.extname = 'kinde_claims')
        SELECT 'FUNCTION ' || p.oid::regprocedure AS object, p.proacl AS acl, p.proowner AS owner
        FROM member m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
        UNION ALL
        SELECT 'TABLE ' || c.oid::regclass, c.relacl, c.relowner
        FROM member m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
        UNION ALL
        SELECT 'SCHEMA ' || quote_ident(n.nspname), n.nspacl, n.nspowner
        FROM member m JOIN pg_namespace n ON m.classid = 'pg_namespace'::regclass AND n.oid = m.objid
