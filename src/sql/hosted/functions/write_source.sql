-- write_source(source text, event_id text DEFAULT NULL, app_table regclass DEFAULT NULL)
-- RETURNS text: says which path the writes that follow in this transaction take, for their
-- claims history entries (history_source_push in claims_history.cpp), and returns the value it
-- replaced, which the caller passes to write_source_restore after its write. Kept in the
-- transaction-local setting kinde_claims_write.source (a JSON object), so a (sub)transaction
-- abort undoes it as it undoes the write. A write with none set is a direct `sql` write. No SET
-- clause: one would undo the setting when this function returns; every name is qualified.
CREATE OR REPLACE FUNCTION kinde_claims.write_source(source text, event_id text DEFAULT NULL,
                                                     app_table regclass DEFAULT NULL) RETURNS text
    LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    previous text := pg_catalog.current_setting('kinde_claims_write.source', true);
BEGIN
    PERFORM pg_catalog.set_config('kinde_claims_write.source',
        pg_catalog.jsonb_build_object('source', source, 'event_id', event_id, 'app_table', app_table::oid)::text, true);
    RETURN COALESCE(previous, '');
END
$$;
