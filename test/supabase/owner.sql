-- Test fixture: the database's owner as hosted Supabase has its `postgres` role (FACTS.md §13),
-- for the SQL edition's installs: NOSUPERUSER CREATEDB CREATEROLE LOGIN REPLICATION BYPASSRLS,
-- CREATE on the database and on schema public, no membership of supabase_auth_admin, and
-- Supabase's default privileges of that role in public (everything it creates there is granted to
-- the API roles). Run as a superuser in a database that has roles.sql, with the role's name in the
-- psql variable owner (psql -v owner=NAME -f test/supabase/owner.sql).
\set ON_ERROR_STOP on

CREATE ROLE :"owner" NOSUPERUSER CREATEDB CREATEROLE LOGIN REPLICATION BYPASSRLS;
SELECT format('GRANT CREATE ON DATABASE %I TO %I', current_database(), :'owner') \gexec
GRANT CREATE ON SCHEMA public TO :"owner";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
