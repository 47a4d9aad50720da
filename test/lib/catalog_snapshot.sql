-- Describes every object of extension kinde_claims as sorted text lines with names, never OIDs:
-- the members (pg_depend 'e'); functions (kind, signature, volatility, parallel, SECURITY
-- DEFINER, strict, leakproof, cost, rows, SET clauses, support, ACL, body); tables (RLS flags,
-- replica identity, storage parameters with their TOAST table's, ACLs, the visible columns in
-- order with their statistics target, storage and compression, constraints, indexes with their
-- flags, triggers, policies); sequences and what owns them; event triggers; schemas; types;
-- comments on all of these; the initial privileges pg_dump relies on (pg_init_privs); extconfig
-- and extcondition. Dropped columns are left out: an update that drops a column leaves it
-- behind as attisdropped. One line per item (newlines in function bodies are shown as \n).
-- Two databases whose snapshots are equal hold the same extension. Used by the upgrade and
-- backup suites: psql -X -A -t -f catalog_snapshot.sql
SET search_path = pg_catalog;
WITH members AS (
    SELECT d.classid, d.objid
    FROM pg_depend d
    JOIN pg_extension e ON e.oid = d.refobjid
    WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND e.extname = 'kinde_claims'
), member_relations AS (
    SELECT c.* FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
), described AS (
    -- Everything a comment may be on: the members, and the parts of their tables.
    SELECT classid, objid FROM members
    UNION ALL
    SELECT 'pg_class'::regclass, i.indexrelid FROM member_relations c JOIN pg_index i ON i.indrelid = c.oid
    UNION ALL
    SELECT 'pg_constraint'::regclass, co.oid FROM member_relations c JOIN pg_constraint co ON co.conrelid = c.oid
    UNION ALL
    SELECT 'pg_trigger'::regclass, t.oid FROM member_relations c JOIN pg_trigger t ON t.tgrelid = c.oid
    UNION ALL
    SELECT 'pg_policy'::regclass, po.oid FROM member_relations c JOIN pg_policy po ON po.polrelid = c.oid
), lines(line) AS (
    SELECT format('extension version=%s schema=%s relocatable=%s owner=%s config=%s conditions=%s',
                  e.extversion, e.extnamespace::regnamespace, e.extrelocatable, pg_get_userbyid(e.extowner),
                  (SELECT array_agg(c::regclass::text ORDER BY c::regclass::text) FROM unnest(e.extconfig) c),
                  e.extcondition)
    FROM pg_extension e WHERE e.extname = 'kinde_claims'
    UNION ALL
    SELECT 'member ' || pg_describe_object(classid, objid, 0) FROM members
    UNION ALL
    SELECT format('function %s kind=%s args=(%s) returns=%s language=%s volatility=%s parallel=%s security_definer=%s '
                  'strict=%s leakproof=%s cost=%s rows=%s config=%s support=%s owner=%s acl=%s symbol_or_body=%s library=%s',
                  p.oid::regprocedure, p.prokind, pg_get_function_arguments(p.oid), pg_get_function_result(p.oid),
                  l.lanname, p.provolatile, p.proparallel, p.prosecdef, p.proisstrict, p.proleakproof,
                  p.procost, p.prorows, p.proconfig, p.prosupport, pg_get_userbyid(p.proowner), p.proacl,
                  replace(p.prosrc, E'\n', '\n'), p.probin)
    FROM members m
    JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
    JOIN pg_language l ON l.oid = p.prolang
    UNION ALL
    SELECT format('relation %s kind=%s persistence=%s row_security=%s force_row_security=%s replica_identity=%s '
                  'options=%s toast_options=%s owner=%s acl=%s',
                  c.oid::regclass, c.relkind, c.relpersistence, c.relrowsecurity, c.relforcerowsecurity,
                  c.relreplident, c.reloptions, (SELECT t.reloptions FROM pg_class t WHERE t.oid = c.reltoastrelid),
                  pg_get_userbyid(c.relowner), c.relacl)
    FROM member_relations c
    UNION ALL
    SELECT format('column %s.%s position=%s type=%s not_null=%s default=%s identity=%s generated=%s collation=%s '
                  'statistics=%s storage=%s compression=%s options=%s acl=%s',
                  c.oid::regclass, a.attname,
                  rank() OVER (PARTITION BY c.oid ORDER BY a.attnum),
                  format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid),
                  a.attidentity, a.attgenerated,
                  (SELECT collname FROM pg_collation WHERE oid = a.attcollation),
                  a.attstattarget, a.attstorage, a.attcompression,
                  -- Postgres keeps a per-database attribute version among the options (pg_attver).
                  (SELECT array_agg(o ORDER BY o) FROM unnest(a.attoptions) o WHERE o NOT LIKE 'pg\_attver=%'),
                  a.attacl)
    FROM member_relations c
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    UNION ALL
    SELECT format('constraint %s on %s: %s deferrable=%s deferred=%s validated=%s',
                  co.conname, c.oid::regclass, pg_get_constraintdef(co.oid), co.condeferrable,
                  co.condeferred, co.convalidated)
    FROM member_relations c JOIN pg_constraint co ON co.conrelid = c.oid
    UNION ALL
    SELECT format('index %s primary=%s replica_identity=%s clustered=%s immediate=%s valid=%s options=%s',
                  pg_get_indexdef(i.indexrelid), i.indisprimary, i.indisreplident, i.indisclustered,
                  i.indimmediate, i.indisvalid, (SELECT ic.reloptions FROM pg_class ic WHERE ic.oid = i.indexrelid))
    FROM member_relations c JOIN pg_index i ON i.indrelid = c.oid
    UNION ALL
    SELECT format('trigger %s enabled=%s', pg_get_triggerdef(t.oid), t.tgenabled)
    FROM member_relations c JOIN pg_trigger t ON t.tgrelid = c.oid AND NOT t.tgisinternal
    UNION ALL
    SELECT format('policy %s on %s command=%s permissive=%s roles=%s using=%s with_check=%s',
                  po.polname, c.oid::regclass, po.polcmd, po.polpermissive,
                  (SELECT array_agg(CASE r WHEN 0 THEN 'public' ELSE pg_get_userbyid(r) END ORDER BY 1)
                   FROM unnest(po.polroles) r),
                  pg_get_expr(po.polqual, po.polrelid), pg_get_expr(po.polwithcheck, po.polrelid))
    FROM member_relations c JOIN pg_policy po ON po.polrelid = c.oid
    UNION ALL
    SELECT format('sequence %s type=%s start=%s increment=%s min=%s max=%s cache=%s cycle=%s owned_by=%s',
                  s.seqrelid::regclass, s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin,
                  s.seqmax, s.seqcache, s.seqcycle,
                  (SELECT string_agg(format('%s.%s %s', d.refobjid::regclass, a.attname, d.deptype), ', ')
                   FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                   WHERE d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
                     AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
    FROM member_relations c JOIN pg_sequence s ON s.seqrelid = c.oid
    UNION ALL
    SELECT format('event trigger %s event=%s function=%s enabled=%s tags=%s owner=%s',
                  et.evtname, et.evtevent, et.evtfoid::regprocedure, et.evtenabled, et.evttags,
                  pg_get_userbyid(et.evtowner))
    FROM members m JOIN pg_event_trigger et ON m.classid = 'pg_event_trigger'::regclass AND et.oid = m.objid
    UNION ALL
    SELECT format('schema %s owner=%s acl=%s', n.nspname, pg_get_userbyid(n.nspowner), n.nspacl)
    FROM members m JOIN pg_namespace n ON m.classid = 'pg_namespace'::regclass AND n.oid = m.objid
    UNION ALL
    SELECT format('type %s kind=%s owner=%s acl=%s labels=%s', t.oid::regtype, t.typtype,
                  pg_get_userbyid(t.typowner), t.typacl,
                  (SELECT array_agg(enumlabel ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid))
    FROM members m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
    UNION ALL
    SELECT format('comment on %s: %s', pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)
    FROM pg_description d
    WHERE (d.classoid, d.objoid) IN (SELECT classid, objid FROM described)
    UNION ALL
    SELECT format('initial privileges of %s: %s %s', pg_describe_object(ip.classoid, ip.objoid, ip.objsubid),
                  ip.privtype, ip.initprivs)
    FROM pg_init_privs ip
    WHERE (ip.classoid, ip.objoid) IN (SELECT classid, objid FROM members)
)
SELECT line FROM lines ORDER BY line COLLATE "C";
