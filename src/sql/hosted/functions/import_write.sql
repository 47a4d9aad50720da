-- import_write(source regclass, reader name, kinde_ids text[], subscribers boolean[],
-- row_counts bigint[], OUT imported bigint, OUT invalid_rows bigint, OUT invalid_values bigint,
-- OUT examples text[]): the part of kinde_claims_import that runs as the owner (profiles_import in
-- kinde_claims_import.cpp, which switches to the owner for the write only). kinde_claims_import
-- is SECURITY INVOKER and reads the source as its caller; it calls this twice over:
-- - with kinde_ids NULL, before the read: checks the source's kind and columns (22004, 42P01,
--   42809, 42703, 42804) and raises 42501 when row-level security applies to `reader` on it or on
--   a table behind a view (kinde_claims.row_security_refusal). Writes nothing; all OUT values 0.
-- - then once per batch of what it read (distinct ids in byte order, NULL first, each with
--   whether any of its rows is a subscriber and how many rows it has): invalid ids (NULL, or not
--   a Kinde user id) are skipped and counted (`invalid_rows` rows, `invalid_values` values, the
--   first 5 of them quoted in `examples`); missing profiles are created, existing ones turned into
--   subscribers when the batch says so; nothing else is touched. `imported`: the profiles written.
--   History source 'import', for this write only.
-- Who may run it: nobody but the owner until granted. A role granted kinde_claims_import needs it
-- too (with USAGE on schema kinde_claims): Postgres checks EXECUTE on it as the role itself, and a
-- role that may run it can do exactly what the importer's writes do (create profiles and make
-- them subscribers, valid ids only), which kinde_claims_import on a view of its own making would
-- do too; it reads nothing of the caller's and writes no claims. Passing another role as `reader`
-- changes only which refusal the caller gets: the read is the caller's own.
CREATE OR REPLACE FUNCTION kinde_claims.import_write(source regclass, reader name, kinde_ids text[],
        subscribers boolean[], row_counts bigint[], OUT imported bigint, OUT invalid_rows bigint,
        OUT invalid_values bigint, OUT examples text[])
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rel record;
    hint text := 'kinde_claims_import reads a table shaped like the tutorial''s profiles: a kinde_id text column and a '
                 'lifetime_subscriber boolean column.';
    base regtype;
    wanted record;
    outer_source text := current_setting('kinde_claims_write.source', true);  -- put back at the end (history_context)
BEGIN
    imported := 0;
    invalid_rows := 0;
    invalid_values := 0;
    examples := '{}';
    IF kinde_ids IS NULL THEN
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
        PERFORM kinde_claims.row_security_refusal(source, reader, 'kinde_claims_import',
                                                  'import that subset as if it were all');
        RETURN;
    END IF;
    SELECT count(*), COALESCE(sum(COALESCE(u.n, 1)), 0),
           COALESCE((array_agg(COALESCE(kinde_claims.quote_for_message(u.kinde_id), 'NULL') ORDER BY u.i))[1:5], '{}')
    INTO invalid_values, invalid_rows, examples
    FROM ROWS FROM (unnest(kinde_ids), unnest(row_counts)) WITH ORDINALITY AS u (kinde_id, n, i)
    WHERE u.kinde_id IS NULL OR kinde_claims.key_violation(u.kinde_id, false) IS NOT NULL;
    PERFORM set_config('kinde_claims_write.source', '{"source": "import"}', true);
    INSERT INTO kinde_claims.profiles AS p (kinde_id, lifetime_subscriber)
    SELECT u.kinde_id, COALESCE(u.lifetime_subscriber, false)
    FROM ROWS FROM (unnest(kinde_ids), unnest(subscribers)) AS u (kinde_id, lifetime_subscriber)
    WHERE u.kinde_id IS NOT NULL AND kinde_claims.key_violation(u.kinde_id, false) IS NULL
    ON CONFLICT (kinde_id) DO UPDATE SET lifetime_subscriber = true
    WHERE EXCLUDED.lifetime_subscriber AND NOT p.lifetime_subscriber;
    GET DIAGNOSTICS imported = ROW_COUNT;
    PERFORM set_config('kinde_claims_write.source', COALESCE(outer_source, ''), true);
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.import_write(regclass, name, text[], boolean[], bigint[]) FROM PUBLIC;
