-- kinde_claims_import(source regclass) RETURNS bigint: brings the tutorial's profiles table (a
-- kinde_id text or varchar column and a lifetime_subscriber boolean column, domains over them
-- too; any table, view, materialized view or foreign table) into kinde_claims.profiles and returns
-- how many profiles it created or turned into subscribers. Duplicate ids collapse (a subscriber
-- if any row says so); invalid ids are skipped and reported in a NOTICE (at most 5 examples, in
-- byte order, NULL first). It never takes lifetime_subscriber away and never touches claims, so a
-- second run changes nothing. History source 'import'.
-- Errors: 22004 for NULL; 42P01, 42809 (not a table or view), 42703 (a column missing), 42804 (a
-- column of another type), 42501 when row-level security applies to the caller on the source (or
-- a table behind a view): it would import a subset in silence, and the next step drops the source;
-- and 42501 from the read itself when the caller may not read the two columns. Nobody but the
-- owner may run it until granted.
-- SECURITY INVOKER, as in the C++ edition: the source is read as the caller (its privileges, its
-- row-level security, a view's functions run with its rights); the checks and the write run as
-- the owner in kinde_claims.import_write, which a role granted this function must be granted too,
-- with USAGE on schema kinde_claims (PL/pgSQL cannot switch to the owner part-way as the C code
-- does: docs/hosted.md#differences-between-the-editions).
CREATE OR REPLACE FUNCTION @extschema@.kinde_claims_import(source regclass) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    imported bigint := 0;
    invalid_rows bigint := 0;
    invalid_values bigint := 0;
    examples text[] := '{}';
    batch_ids text[] := '{}';
    batch_flags boolean[] := '{}';
    batch_rows bigint[] := '{}';
    written record;
    rows_read refcursor;
    r record;
    more boolean;
BEGIN
    IF source IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'source table must not be null';
    END IF;
    -- The source's kind and columns, and row-level security for the caller: before the read.
    PERFORM kinde_claims.import_write(source, current_user, NULL, NULL, NULL);
    -- Every distinct id, with whether any of its rows is a subscriber and how many rows it has;
    -- NULLs first, then byte order, so the examples of invalid ids are the same on every run.
    -- Read as the caller; a batch of 1000 goes to the owner's write at a time.
    OPEN rows_read FOR EXECUTE format('SELECT s.kinde_id, bool_or(s.lifetime_subscriber) AS subscriber, count(*) AS n '
                                      'FROM (SELECT "kinde_id"::text COLLATE "C" AS kinde_id, '
                                      '"lifetime_subscriber"::boolean AS lifetime_subscriber FROM %s) AS s '
                                      'GROUP BY s.kinde_id ORDER BY s.kinde_id NULLS FIRST', source);
    LOOP
        FETCH rows_read INTO r;
        more := FOUND;
        IF more THEN
            batch_ids := batch_ids || r.kinde_id;
            batch_flags := batch_flags || COALESCE(r.subscriber, false);
            batch_rows := batch_rows || r.n;
        END IF;
        IF cardinality(batch_ids) = 1000 OR (NOT more AND cardinality(batch_ids) > 0) THEN
            SELECT * INTO written FROM kinde_claims.import_write(source, current_user, batch_ids, batch_flags, batch_rows);
            imported := imported + written.imported;
            invalid_rows := invalid_rows + written.invalid_rows;
            invalid_values := invalid_values + written.invalid_values;
            examples := (examples || written.examples)[1:5];
            batch_ids := '{}';
            batch_flags := '{}';
            batch_rows := '{}';
        END IF;
        EXIT WHEN NOT more;
    END LOOP;
    CLOSE rows_read;
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
