-- row_security_refusal(source oid, role text, fn text, consequence text) RETURNS void: raises
-- 42501 when row-level security applies to `role` on `source` or, through views, on a table behind
-- it (checked as the view's owner, or as `role` for a security_invoker view): `fn` would see a
-- subset and take it for the whole table (`consequence` says what it would do then). As
-- row_security_check in kinde_claims_import.cpp, which reads the policies the planner applied;
-- here from the catalog: enabled (or forced, for the owner), and `role` neither a superuser nor
-- BYPASSRLS nor (unless forced) the table's owner.
CREATE OR REPLACE FUNCTION kinde_claims.row_security_refusal(source oid, role text, fn text, consequence text)
    RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    filtered oid;
    applies_to text;
BEGIN
    WITH RECURSIVE reached(rel, checker, depth) AS (
        SELECT source, role::name COLLATE "C", 0
        UNION
        SELECT d.refobjid,
               CASE WHEN c.reloptions @> ARRAY['security_invoker=true'] OR c.reloptions @> ARRAY['security_invoker=on']
                    THEN r.checker ELSE pg_get_userbyid(c.relowner) END,
               r.depth + 1
        FROM reached r JOIN pg_class c ON c.oid = r.rel AND c.relkind = 'v'
        JOIN pg_rewrite w ON w.ev_class = c.oid
        JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid
                        AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> c.oid
        WHERE r.depth < 32)
    SELECT r.rel, r.checker INTO filtered, applies_to
    FROM reached r JOIN pg_class c ON c.oid = r.rel JOIN pg_roles a ON a.rolname = r.checker
    WHERE c.relkind IN ('r', 'p') AND c.relrowsecurity AND NOT a.rolsuper AND NOT a.rolbypassrls
      AND (c.relforcerowsecurity OR NOT pg_has_role(r.checker, c.relowner, 'USAGE'))
    ORDER BY r.depth LIMIT 1;
    IF filtered IS NULL THEN
        RETURN;
    END IF;
    RAISE EXCEPTION USING ERRCODE = '42501',
        MESSAGE = format('row-level security on %s applies to role "%s"', kinde_claims.app_table_name(filtered), applies_to),
        DETAIL = format('%s would read only the rows of %s that the policies show this role, and %s.', fn,
                        kinde_claims.app_table_name(source), consequence),
        HINT = format('Run it as a role row-level security does not apply to: the owner of %s (unless it forces '
                      'row-level security), a role with BYPASSRLS, or a superuser.', kinde_claims.app_table_name(filtered));
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.row_security_refusal(oid, text, text, text) FROM PUBLIC;
