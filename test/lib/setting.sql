-- Shared by the regression tests that change a kinde_claims.* setting, so the same test and the
-- same expected output run on both editions (test/hosted/run-regress), loaded with:
--   \getenv abs_srcdir PG_ABS_SRCDIR
--   \set setting_sql :abs_srcdir '/lib/setting.sql'
--   \i :setting_sql
-- pg_temp.kc_set(name, value) sets the setting for what follows as each edition's owner does: the
-- C++ edition's SET (set_config, for the session), or the SQL edition's kinde_claims.setting_set
-- (the owner's row, until set again or the extension is dropped); a NULL value is RESET, the
-- default again. A refused value raises the same error in both.
CREATE FUNCTION pg_temp.kc_set(name text, value text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF to_regprocedure('kinde_claims.setting_set(text, text)') IS NOT NULL THEN
        EXECUTE 'SELECT kinde_claims.setting_set($1, $2)' USING name, value;
    ELSIF value IS NULL THEN
        EXECUTE format('RESET %I', name);
    ELSE
        PERFORM set_config(name, value, false);
    END IF;
END
$$;
-- pg_temp.kc_show(name) RETURNS text: what the setting is for the writes that follow, as each
-- edition's owner sees it: the C++ edition's current_setting, or the SQL edition's stored value
-- (the C++ edition's default when unset; the size limit in use, with SHOW's unit).
CREATE FUNCTION pg_temp.kc_show(name text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    shown text;
    bytes integer;
BEGIN
    IF to_regprocedure('kinde_claims.setting_set(text, text)') IS NOT NULL THEN
        IF name = 'kinde_claims.max_claims_bytes' THEN
            EXECUTE 'SELECT kinde_claims.setting_max_claims_bytes()' INTO bytes;
            RETURN CASE WHEN bytes % 1048576 = 0 THEN bytes / 1048576 || 'MB'
                        WHEN bytes % 1024 = 0 THEN bytes / 1024 || 'kB' ELSE bytes || 'B' END;
        END IF;
        EXECUTE 'SELECT kinde_claims.setting($1)' INTO shown USING name;
        RETURN coalesce(shown, CASE name WHEN 'kinde_claims.supabase_identity_provider' THEN 'custom:kinde'
                                         WHEN 'kinde_claims.supabase_hook_on_error' THEN 'open'
                                         WHEN 'kinde_claims.notify' THEN 'on' ELSE '' END);
    END IF;
    RETURN current_setting(name);
END
$$;
