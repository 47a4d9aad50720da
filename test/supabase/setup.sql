-- The C++ edition's database for test/suites/45-supabase-auth: a Supabase project (project.sql),
-- the extension created by a superuser (self-hosted Supabase), the shim's role with the README's
-- grants, the grants docs/supabase-auth.md tells the owner to make, and the app (app.sql).
-- Run as a superuser in a new database. (The SQL edition's is the suite's own: the owner runs
-- hosted/kinde_claims.sql and docs/hosted.md's blocks.)
\set ON_ERROR_STOP on
\ir project.sql

CREATE EXTENSION kinde_claims;
-- The shim's role for Kinde's webhooks (README's Privileges block).
CREATE ROLE kinde_writer NOLOGIN NOINHERIT;
GRANT kinde_writer TO authenticator;
GRANT USAGE ON SCHEMA public TO kinde_writer;
GRANT EXECUTE ON FUNCTION kinde_profile_upsert(text, boolean, jsonb), kinde_profile_delete(text),
                          kinde_webhook_apply(jsonb) TO kinde_writer;

-- docs/supabase-auth.md, "The migration": the hook's grants.
GRANT USAGE ON SCHEMA public TO supabase_auth_admin;
GRANT EXECUTE ON FUNCTION public.kinde_claims_access_token_hook(jsonb) TO supabase_auth_admin;

\ir app.sql
