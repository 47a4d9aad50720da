-- Test fixture: a database set up the way Supabase sets one up, before anything of ours runs, so
-- the deployment guide can be followed on it (test/suites/45-deploy-guide). Written from the
-- facts in docs/FACTS.md §13 (roles, attributes, timeouts) and §14 (reserved roles); it is not
-- Supabase's own init SQL. Run as a superuser in the new database (default privileges and schemas
-- are per database; roles are the cluster's).
--
-- What differs from a real Supabase database, on purpose:
-- - The test cluster's bootstrap superuser is named postgres and cannot be demoted. Supabase's
--   superuser is supabase_admin and its postgres is NOSUPERUSER ... BYPASSRLS (§13); here
--   supabase_admin is the superuser the guide runs as, with the default privileges Supabase gives
--   to objects it creates, and postgres gets the same default privileges.
-- - No supautils: its reserved-role rules (§14) bind only non-superusers, and the guide runs as a
--   superuser (CREATE EXTENSION kinde_claims needs one).
-- - No auth tables, storage, realtime or extensions schema content: only what touches our grants.
\set ON_ERROR_STOP on

CREATE ROLE supabase_admin LOGIN SUPERUSER CREATEDB CREATEROLE REPLICATION BYPASSRLS;

-- The API roles PostgREST switches to, and the role it logs in as.
CREATE ROLE anon NOLOGIN NOINHERIT;
CREATE ROLE authenticated NOLOGIN NOINHERIT;
CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
CREATE ROLE authenticator LOGIN NOINHERIT;
GRANT anon, authenticated, service_role TO authenticator;

-- Role timeouts (§13): PostgREST applies them to each request of the role.
ALTER ROLE anon SET statement_timeout = '3s';
ALTER ROLE authenticated SET statement_timeout = '8s';

-- Supabase Auth's role (§13): NOINHERIT NOCREATEROLE LOGIN NOREPLICATION, owner of schema auth,
-- search_path auth, CREATE on the database, nothing in public.
CREATE ROLE supabase_auth_admin NOINHERIT NOCREATEROLE LOGIN NOREPLICATION;
CREATE SCHEMA auth AUTHORIZATION supabase_auth_admin;
ALTER ROLE supabase_auth_admin SET search_path = auth;
DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO supabase_auth_admin', current_database()); END $$;

CREATE SCHEMA extensions;
GRANT USAGE ON SCHEMA public, extensions TO postgres, anon, authenticated, service_role;

-- Every new table, function and sequence in public is granted to the API roles (the reason the
-- extension strips default privileges from its own objects; README "Privileges").
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public
    GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public
    GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public
    GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;
