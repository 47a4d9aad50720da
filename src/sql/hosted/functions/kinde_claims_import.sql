-- kinde_claims_import(source regclass) RETURNS bigint: brings the tutorial's profiles table (a
-- kinde_id text or varchar column and a lifetime_subscriber boolean column, domains over them
-- too; any table, view, materialized view or foreign table) into kinde_claims.profiles and returns
-- how many profiles it created or turned into subscribers. Duplicate ids collapse (a subscriber
-- if any row says so); invalid ids are skipped and reported in a NOTICE (at most 5 examples, in
-- byte order, NULL first). It never takes lifetime_subscriber away and never touches claims, so a
-- second run changes nothing. History source 'import'.
-- Errors: 22004 for NULL; 42P01, 42809 (not a table or view), 42703 (a column missing), 42804 (a
-- column of another type), 42501 when the acting role may not read the two columns or row-level
-- security applies to it on the source (or a table behind a view): it would import a subset in
-- silence, and the next step drops the source. Nobody but the owner may run it until granted.
-- SECURITY DEFINER in the SQL edition (the C++ edition is SECURITY INVOKER and switches to the
-- owner for the write only): the acting role's privileges and row-level security are checked.
CREATE OR REPLACE FUNCTION @extschema@.kinde_claims_import(source regclass) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rel record;
    caller text := kinde_claims.acting_role();
    hint text := 'kinde_claims_import reads a table shaped like the tutorial''s profiles: a kinde_id text column and a '
                 'lifetime_subscriber boolean column.';
    base regtype;
    wanted record;
    imported bigint := 0;
    written bigint;
    invalid_rows bigint := 0;
    invalid_values bigint := 0;
    examples text[] := '{}';
    batch_ids text[] := '{}';
    batch_flags boolean[] := '{}';
    r record;
BEGIN
    IF source IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'source table must not be null';
    END IF;
    SELECT c.relkind, kinde_claims.app_table_name(c.oid) AS name INTO rel FROM pg_class c WHERE c.oid = source;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '42P01', MESSAGE = format('relation with OID %s does not exist', source::oid);
    END IF;
    IF rel.relkind NOT IN ('r', 'p', 'v', 'm', 'f') THEN
        RAISE EXCEPTION USING ERRCODE = '42809', MESSAGE = format('"%s" is not a table or view', rel.name), HINT = hint;
    END IF;
    FOR wanted IN VALUES ('kinde_id', 'text'), ('lifetime_subscriber', 'boolean') LOOP
        base := kinde_claims.column_base_type(source, wanted.column1);
        IF base IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = '42703', HINT = hint,
                MESSAGE = format('source table %s has no column "%s"', rel.name, wanted.column1);
        END IF;
        IF NOT (base = ANY (CASE wanted.column2 WHEN 'text' THEN ARRAY['text'::regtype, 'varchar'::regtype]
                                                ELSE ARRAY['boolean'::regtype] END)) THEN
            RAISE EXCEPTION USING ERRCODE = '42804', HINT = hint,
                MESSAGE = format('column "%s" of source table %s has type %s, not %s', wanted.column1, rel.name,
                                 kinde_claims.column_type_name(source, wanted.column1), wanted.column2);
        END IF;
    END LOOP;
    -- The source is read as the acting role would read it.
    IF NOT (has_column_privilege(caller, source, 'kinde_id', 'SELECT')
            AND has_column_privilege(caller, source, 'lifetime_subscriber', 'SELECT')) THEN
        RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = format('permission denied for %s %s',
            CASE rel.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table'
                             ELSE 'table' END, (SELECT c.relname FROM pg_class c WHERE c.oid = source));
    END IF;
    PERFORM kinde_claims.row_security_refusal(source, caller, 'kinde_claims_import',
                                              'import that subset as if it were all');
    PERFORM set_config('kinde_claims_write.source', '{"source": "import"}', true);
    -- Every distinct id, with whether any of its rows is a subscriber and how many rows it has;
    -- NULLs first, then byte order, so the examples of invalid ids are the same on every run.
    FOR r IN EXECUTE format('SELECT s.kinde_id, bool_or(s.lifetime_subscriber) AS subscriber, count(*) AS n '
                            'FROM (SELECT "kinde_id"::text COLLATE "C" AS kinde_id, '
                            '"lifetime_subscriber"::boolean AS lifetime_subscriber FROM %s) AS s '
                            'GROUP BY s.kinde_id ORDER BY s.kinde_id NULLS FIRST', rel.name) LOOP
        IF r.kinde_id IS NULL OR kinde_claims.key_violation(r.kinde_id, false) IS NOT NULL THEN
            invalid_rows := invalid_rows + r.n;
            invalid_values := invalid_values + 1;
            IF invalid_values <= 5 THEN
                examples := examples || COALESCE(kinde_claims.quote_for_message(r.kinde_id), 'NULL');
            END IF;
            CONTINUE;
        END IF;
        batch_ids := batch_ids || r.kinde_id;
        batch_flags := batch_flags || COALESCE(r.subscriber, false);
        IF cardinality(batch_ids) = 1000 THEN
            imported := imported + kinde_claims.import_batch(batch_ids, batch_flags);
            batch_ids := '{}';
            batch_flags := '{}';
        END IF;
    END LOOP;
    IF cardinality(batch_ids) > 0 THEN
        imported := imported + kinde_claims.import_batch(batch_ids, batch_flags);
    END IF;
    IF invalid_rows > 0 THEN
        RAISE NOTICE USING
            MESSAGE = format('kinde_claims_import skipped %s %s whose kinde_id is not a valid Kinde user id',
                             invalid_rows, CASE WHEN invalid_rows = 1 THEN 'row' ELSE 'rows' END),
            DETAIL = CASE WHEN invalid_values > 5
                          THEN format('%s distinct values; the first 5 in sort order: %s.', invalid_values,
                                      array_to_string(examples, ', '))
                          ELSE format('%s distinct %s: %s.', invalid_values,
                                      CASE WHEN invalid_values = 1 THEN 'value' ELSE 'values' END,
                                      array_to_string(examples, ', ')) END,
            HINT = 'A Kinde user id is "kp_" followed by 1 to 64 letters or digits.';
    END IF;
    RETURN imported;
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_claims_import(regclass) IS
    'Imports the tutorial''s profiles (kinde_id, lifetime_subscriber) table; returns how many profiles it created or made subscribers';
