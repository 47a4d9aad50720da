-- The overload guard arriving by upgrade (api_overloads.sql has the guard itself): upgrading to
-- 0.8.0 reports a routine named like an API function that 0.7.0 allowed, and refuses new ones
-- from then on. The C++ edition's upgrade history: test/hosted/run-regress does not run upgrade_*
-- tests on the SQL edition, which begins at 0.8.0.
\set SHOW_CONTEXT never
\getenv abs_srcdir PG_ABS_SRCDIR
\set try_sql :abs_srcdir '/lib/try.sql'
\i :try_sql
CREATE SCHEMA api;
-- Upgrading to 0.8.0 reports one that 0.7.0 allowed, and refuses new ones from then on.
CREATE EXTENSION kinde_claims SCHEMA api VERSION '0.7.0';
CREATE FUNCTION public.kinde_claims_for(user_id text) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{"lifetime_subscriber": true}'::jsonb $$;
ALTER EXTENSION kinde_claims UPDATE TO '0.8.0';
SELECT pg_temp.try($q$CREATE FUNCTION public.kinde_profile_upsert(kinde_id text) RETURNS jsonb LANGUAGE sql AS $f$ SELECT '{}'::jsonb $f$$q$) AS after_the_upgrade;
DROP FUNCTION public.kinde_claims_for(text);
DROP EXTENSION kinde_claims;
DROP SCHEMA api;
