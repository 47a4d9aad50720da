-- projection_disagreements(app_table regclass, repair boolean) RETURNS TABLE (trigger_name name,
-- target text, id text, stored jsonb, projected jsonb): the work of kinde_claims_projection_check
-- and kinde_claims_projection_repair (projection_check in kinde_profile_upsert_trigger.cpp). For
-- each projection trigger on the table (AFTER ... FOR EACH ROW executing
-- kinde_profile_upsert_trigger or kinde_organization_upsert_trigger, in name order): the keys whose
-- stored claims (the trigger's mapped ones, and lifetime_subscriber when it maps it) agree with
-- what none of the table's rows with that key project; a key with no row counts only for a
-- trigger that fires on DELETE, on a table that is not a partition. With `repair` each is
-- rewritten through the trigger's own statements (history source 'repair'). Sorted by trigger,
-- then key. Raises 22004 (NULL), 42P01, 42809 (not a table), 22023 (no projection trigger), 0A000
-- (a WHEN condition), 25006 (repair in a read-only transaction), and 42501 when the acting role
-- may not read the table or row-level security applies to it there (checked before the repair's
-- lock, so such a caller neither takes nor waits for it).
-- It runs as the owner (SECURITY DEFINER, unlike the C++ edition, which reads the app table as
-- the caller): the acting role's SELECT privilege and row-level security are checked instead.
CREATE OR REPLACE FUNCTION kinde_claims.projection_disagreements(app_table regclass, repair boolean)
    RETURNS TABLE (trigger_name name, target text, id text, stored jsonb, projected jsonb)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    fn text := CASE WHEN repair THEN 'kinde_claims_projection_repair' ELSE 'kinde_claims_projection_check' END;
    rel record;
    caller text := kinde_claims.acting_role();
    tg record;
    spec jsonb;
    organization boolean;
    maps_flag boolean;
    empty jsonb;
    rows_by_key jsonb;
    r jsonb;
    key text;
    claims jsonb;
    flag boolean;
    entry jsonb;
    s record;
    found_any boolean := false;
    found_rows jsonb := '[]';
    projects_removal boolean;
    as_replica boolean;  -- session_replication_role was replica: put back at the end
    outer_source text := current_setting('kinde_claims_write.source', true);  -- put back at the end (history_context)
BEGIN
    IF app_table IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'app_table must not be null';
    END IF;
    IF repair AND current_setting('transaction_read_only') = 'on' THEN
        RAISE EXCEPTION USING ERRCODE = '25006',
            MESSAGE = format('cannot execute %s in a read-only transaction', fn);
    END IF;
    SELECT c.oid, c.relkind, c.relname, n.nspname, c.relrowsecurity, c.relforcerowsecurity, c.relispartition,
           c.relowner, format('%I.%I', n.nspname, c.relname) AS qualified INTO rel
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = app_table;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '42P01', MESSAGE = format('relation with OID %s does not exist', app_table::oid);
    END IF;
    IF rel.relkind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION USING ERRCODE = '42809', MESSAGE = format('"%s" is not a table', rel.qualified),
            DETAIL = 'Projection triggers fire on tables and partitioned tables.';
    END IF;
    -- The acting role's right to read the table, before any lock (as table_read_check in
    -- kinde_claims_import.cpp): a caller without it is refused at once, not after waiting for the
    -- table's writers. SELECT on the table, or on each of its columns (what a read of its whole row
    -- needs); and no row-level security that applies to it there.
    IF NOT has_table_privilege(caller, app_table, 'SELECT')
       AND (NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = app_table AND a.attnum > 0 AND NOT a.attisdropped)
            OR EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = app_table AND a.attnum > 0 AND NOT a.attisdropped
                         AND NOT has_column_privilege(caller, app_table, a.attnum, 'SELECT'))) THEN
        RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = format('permission denied for table %s', rel.relname);
    END IF;
    PERFORM kinde_claims.row_security_refusal(app_table, caller, fn,
        'take the claims of the rows it cannot see for claims no row projects');
    IF repair THEN
        EXECUTE format('LOCK TABLE %s IN SHARE MODE', rel.qualified);
    END IF;
    FOR tg IN SELECT t.tgname, t.tgtype, t.tgqual IS NOT NULL AS has_when,
                     p.proname = 'kinde_organization_upsert_trigger' AS org
              FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
              -- This installation's two trigger functions, by their OIDs: the plain migration
              -- makes no extension, so membership of one cannot tell them.
              WHERE t.tgrelid = app_table
                AND t.tgfoid IN ('@extschema@.kinde_profile_upsert_trigger()'::regprocedure,
                                 '@extschema@.kinde_organization_upsert_trigger()'::regprocedure)
                AND t.tgtype & 1 = 1 AND t.tgtype & 2 = 0 AND t.tgtype & 64 = 0
              ORDER BY t.tgname COLLATE "C" LOOP
        found_any := true;
        IF tg.has_when THEN
            RAISE EXCEPTION USING ERRCODE = '0A000',
                MESSAGE = format('trigger "%s" on %s has a WHEN condition, which %s cannot evaluate', tg.tgname,
                                 rel.qualified, fn),
                DETAIL = 'It would read every row as projected, and report (and rewrite) the rows the condition excludes.',
                HINT = 'Compare the rows the condition selects with the stored claims yourself, or drop the condition.';
        END IF;
        spec := kinde_claims.projection_spec(app_table, tg.tgname, tg.org);
        organization := tg.org;
        maps_flag := spec ->> 'flag_column' IS NOT NULL;
        empty := CASE WHEN maps_flag THEN '{"lifetime_subscriber": false}'::jsonb ELSE '{}'::jsonb END;
        projects_removal := tg.tgtype & 8 = 8 AND NOT rel.relispartition;
        -- Every row (a partitioned table's partitions' too): the keys and what each row projects.
        rows_by_key := '{}';
        FOR r IN EXECUTE format('SELECT kinde_claims.row_without_sql_nulls($1, %s, t) FROM %s%s AS t',
                                kinde_claims.projected_row_sql(spec, 't'),
                                CASE WHEN rel.relkind = 'p' THEN '' ELSE 'ONLY ' END, rel.qualified) USING spec LOOP
            key := r ->> (spec ->> 'key_column');
            IF key IS NULL OR kinde_claims.key_violation(key, organization) IS NOT NULL THEN
                CONTINUE;
            END IF;
            claims := kinde_claims.projected_claims(spec, r, NULL);
            flag := COALESCE((r ->> (spec ->> 'flag_column'))::boolean, false);
            entry := COALESCE(rows_by_key -> key, '{"projections": []}');
            entry := jsonb_build_object(
                'projections', (entry -> 'projections') || jsonb_build_array(
                    CASE WHEN maps_flag THEN claims || jsonb_build_object('lifetime_subscriber', flag) ELSE claims END),
                'claims', claims, 'flag', flag);
            rows_by_key := jsonb_set(rows_by_key, ARRAY[key], entry);
        END LOOP;
        -- The stored parts of those keys, and of every row holding a mapped claim (or
        -- lifetime_subscriber true, when mapped).
        FOR s IN EXECUTE CASE WHEN organization THEN
                'SELECT o.org_code AS k, (SELECT COALESCE(jsonb_object_agg(e.key, e.value), ''{}'') FROM jsonb_each(o.claims) e
                  WHERE e.key = ANY ($2)) AS mapped, false AS flag
                 FROM kinde_claims.organizations o WHERE o.org_code = ANY ($1) OR jsonb_exists_any(o.claims, $2) OR $3'
            ELSE
                'SELECT p.kinde_id AS k, (SELECT COALESCE(jsonb_object_agg(e.key, e.value), ''{}'') FROM jsonb_each(p.claims) e
                  WHERE e.key = ANY ($2)) AS mapped, p.lifetime_subscriber AS flag
                 FROM kinde_claims.profiles p WHERE p.kinde_id = ANY ($1) OR jsonb_exists_any(p.claims, $2) OR ($3 AND p.lifetime_subscriber)'
            END
            USING ARRAY(SELECT jsonb_object_keys(rows_by_key)), ARRAY(SELECT jsonb_array_elements_text(spec -> 'claim_keys')),
                  maps_flag LOOP
            stored := CASE WHEN maps_flag THEN s.mapped || jsonb_build_object('lifetime_subscriber', s.flag) ELSE s.mapped END;
            entry := rows_by_key -> s.k;
            IF entry IS NULL THEN
                IF projects_removal AND stored <> empty THEN
                    found_rows := found_rows || jsonb_build_array(jsonb_build_object('trigger', tg.tgname, 'org', organization,
                        'key', s.k, 'stored', stored, 'projected', empty, 'spec', spec));
                END IF;
                CONTINUE;
            END IF;
            rows_by_key := jsonb_set(rows_by_key, ARRAY[s.k, 'seen'], 'true');
            IF NOT EXISTS (SELECT FROM jsonb_array_elements(entry -> 'projections') pr WHERE pr = stored) THEN
                found_rows := found_rows || jsonb_build_array(jsonb_build_object('trigger', tg.tgname, 'org', organization,
                    'key', s.k, 'stored', stored, 'projected', entry -> 'projections' -> -1, 'spec', spec,
                    'claims', entry -> 'claims', 'flag', entry -> 'flag'));
            END IF;
        END LOOP;
        -- Keys with rows but no profile or organization: one that projects nothing reads the same.
        FOR key, entry IN SELECT e.key, e.value FROM jsonb_each(rows_by_key) e WHERE NOT (e.value ? 'seen') LOOP
            IF NOT EXISTS (SELECT FROM jsonb_array_elements(entry -> 'projections') pr WHERE pr = empty) THEN
                found_rows := found_rows || jsonb_build_array(jsonb_build_object('trigger', tg.tgname, 'org', organization,
                    'key', key, 'stored', NULL, 'projected', entry -> 'projections' -> -1, 'spec', spec,
                    'claims', entry -> 'claims', 'flag', entry -> 'flag'));
            END IF;
        END LOOP;
    END LOOP;
    IF NOT found_any THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s has no projection trigger', rel.qualified),
            DETAIL = 'A projection trigger is an AFTER ... FOR EACH ROW trigger executing '
                     'kinde_profile_upsert_trigger() or kinde_organization_upsert_trigger().';
    END IF;
    found_rows := COALESCE((SELECT jsonb_agg(d ORDER BY d ->> 'trigger' COLLATE "C", d ->> 'key' COLLATE "C")
                            FROM jsonb_array_elements(found_rows) d), '[]');
    IF repair THEN
        as_replica := current_setting('session_replication_role') = 'replica';
        IF as_replica THEN
            PERFORM set_config('session_replication_role', 'origin', true);
        END IF;
        PERFORM set_config('kinde_claims_write.source',
            jsonb_build_object('source', 'repair', 'app_table', app_table::oid::bigint)::text, true);
        FOR entry IN SELECT d FROM jsonb_array_elements(found_rows) d LOOP
            IF entry ? 'claims' THEN
                PERFORM kinde_claims.projection_write(entry -> 'spec', entry ->> 'key',
                    CASE WHEN entry -> 'spec' ->> 'flag_column' IS NOT NULL THEN (entry ->> 'flag')::boolean END,
                    entry -> 'claims');
            ELSE
                PERFORM kinde_claims.projection_write(entry -> 'spec', entry ->> 'key', NULL, NULL);
            END IF;
        END LOOP;
        PERFORM set_config('kinde_claims_write.source', COALESCE(outer_source, ''), true);
        IF as_replica THEN
            PERFORM set_config('session_replication_role', 'replica', true);
        END IF;
    END IF;
    RETURN QUERY SELECT (d ->> 'trigger')::name, CASE WHEN (d ->> 'org')::boolean THEN 'organization' ELSE 'user' END,
                        d ->> 'key', CASE WHEN jsonb_typeof(d -> 'stored') = 'null' THEN NULL ELSE d -> 'stored' END,
                        d -> 'projected'
                 FROM jsonb_array_elements(found_rows) d;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.projection_disagreements(regclass, boolean) FROM PUBLIC;
