-- Who may change a setting, per edition (test/expected/edition_settings.out is the C++ edition's,
-- test/expected/hosted/edition_settings.out the SQL edition's; docs/hosted.md#settings). A role
-- that is not a superuser (C++) or the owner (SQL): the C++ edition refuses its SET of the
-- superuser-set parameters; the SQL edition has no such parameter, so its SET makes a placeholder
-- that changes nothing; in both its writes keep the limit and Kinde's names, and it cannot reach
-- the SQL edition's kinde_claims.setting_set.
CREATE EXTENSION kinde_claims;
\set SHOW_CONTEXT never
\getenv abs_srcdir PG_ABS_SRCDIR
\set try_sql :abs_srcdir '/lib/try.sql'
\i :try_sql
CREATE ROLE regress_kc_settings_plain;
GRANT EXECUTE ON FUNCTION kinde_profile_upsert(text, boolean, jsonb) TO regress_kc_settings_plain;
SET ROLE regress_kc_settings_plain;
SELECT pg_temp.try($$SET kinde_claims.allowed_kinde_claims = 'roles'$$) AS plain_role_sets;
SELECT pg_temp.try($$SET kinde_claims.max_claims_bytes = '1MB'$$) AS plain_role_raises_limit;
SELECT pg_temp.try($$SET kinde_claims.supabase_hook_on_error = 'closed'$$) AS plain_role_sets_hook_on_error;
SELECT pg_temp.try($$SELECT kinde_profile_upsert('kp_plain', false, '{"roles": ["admin"]}')$$) AS issued_name_still_refused;
SELECT pg_temp.try(format('SELECT kinde_profile_upsert(%L, false, %L)', 'kp_plain', jsonb_build_object('note', repeat('x', 5000)))) AS limit_still_holds;
SELECT pg_temp.try($$SELECT kinde_claims.setting_set('kinde_claims.allowed_kinde_claims', 'roles')$$) AS setting_set;
RESET ROLE;
SELECT count(*) AS profiles FROM kinde_claims.profiles;
DROP EXTENSION kinde_claims;
DROP ROLE regress_kc_settings_plain;
