-- Test fixture: a database set up as a Supabase project before anything of ours, for
-- test/suites/45-supabase-auth on both editions: Supabase's roles with their attributes, timeouts
-- and default privileges in public (roles.sql), Supabase Auth's role and tables (auth.sql, owned by
-- supabase_auth_admin), and the API roles' USAGE on schema auth, which policies calling auth.jwt()
-- need. Run as a superuser in a new database.
\set ON_ERROR_STOP on
\ir roles.sql
\ir auth.sql
GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
