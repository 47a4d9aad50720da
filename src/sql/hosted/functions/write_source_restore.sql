-- write_source_restore(previous text) RETURNS void: puts back the value write_source returned
-- (history_source_pop in claims_history.cpp).
CREATE OR REPLACE FUNCTION kinde_claims.write_source_restore(previous text) RETURNS void
    LANGUAGE sql VOLATILE
    RETURN (SELECT NULL::void FROM pg_catalog.set_config('kinde_claims_write.source', COALESCE(previous, ''), true));
