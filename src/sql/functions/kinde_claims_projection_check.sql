-- Bulk reloads (docs/app-tables.md#truncate-and-other-writes-without-row-triggers). The projection
-- trigger functions also run as a statement-level BEFORE TRUNCATE trigger with the same arguments
-- (no SQL object changes for that: the C function accepts it): every row TRUNCATE removes loses
-- its claims as a DELETE would take them, through the same write path, history source
-- 'truncate'. The check and the repair find and fix what a write without row triggers left
-- behind (a TRUNCATE before the trigger existed, a disabled trigger, a detached or dropped
-- partition, a restore of a partial dump). SECURITY INVOKER: the app table is read with the
-- caller's privileges and row-level security (refused with 42501 where it applies); the stored
-- claims are read and written as the extension's tables' owner. Nobody but the owner may run
-- them until granted.
CREATE OR REPLACE FUNCTION @extschema@.kinde_claims_projection_check(app_table regclass)
    RETURNS TABLE (trigger_name name, target text, id text, stored jsonb, projected jsonb)
    AS 'MODULE_PATHNAME', 'kinde_claims_projection_check'
    LANGUAGE C STABLE SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_claims_projection_check(regclass) IS
    'The users and organizations whose stored claims disagree with what the app table''s rows project through its projection triggers';
