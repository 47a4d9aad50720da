-- The token path's database, set up the way a Supabase project is (FACTS.md §3): its API roles
-- with their attributes and settings, its default privileges in public, then the extension and
-- the grants this project's README tells an operator to make. Run as a superuser in a new database.
\set ON_ERROR_STOP on

CREATE ROLE anon NOLOGIN NOINHERIT;
ALTER ROLE anon SET statement_timeout = '3s';
CREATE ROLE authenticated NOLOGIN NOINHERIT;
ALTER ROLE authenticated SET statement_timeout = '8s';
CREATE ROLE authenticator LOGIN NOINHERIT;
GRANT anon, authenticated TO authenticator;

-- The token workflow's role (reads claims) and the backend's role (writes profiles).
CREATE ROLE kinde_workflow NOLOGIN NOINHERIT;
-- The workflow cannot time its call out; PostgREST applies this role setting to every request.
ALTER ROLE kinde_workflow SET statement_timeout = '500ms';
CREATE ROLE kinde_writer NOLOGIN NOINHERIT;
GRANT kinde_workflow, kinde_writer TO authenticator;

GRANT USAGE ON SCHEMA public TO anon, authenticated, kinde_workflow, kinde_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated;

CREATE EXTENSION kinde_claims;
GRANT EXECUTE ON FUNCTION kinde_claims_for(text, text) TO kinde_workflow;
GRANT EXECUTE ON FUNCTION kinde_profile_upsert(text, boolean, jsonb), kinde_profile_delete(text) TO kinde_writer;
