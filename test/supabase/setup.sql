-- The Supabase-through-Kinde test database (test/suites/45-supabase-auth): Supabase's API roles
-- with their attributes, settings and default privileges in public (FACTS.md §3, §13), Supabase
-- Auth's tables and role (auth.sql, a fixture), the extension, the grants docs/supabase-auth.md
-- tells the owner to make, and an app table whose RLS policy reads a claim from Supabase's token.
-- Run as a superuser in a new database.
\set ON_ERROR_STOP on

CREATE ROLE anon NOLOGIN NOINHERIT;
ALTER ROLE anon SET statement_timeout = '3s';
CREATE ROLE authenticated NOLOGIN NOINHERIT;
ALTER ROLE authenticated SET statement_timeout = '8s';
CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
CREATE ROLE authenticator LOGIN NOINHERIT;
-- The shim's role for Kinde's webhooks (README's Privileges block).
CREATE ROLE kinde_writer NOLOGIN NOINHERIT;
GRANT anon, authenticated, service_role, kinde_writer TO authenticator;
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role, kinde_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;

\i test/supabase/auth.sql
GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;

CREATE EXTENSION kinde_claims;
GRANT EXECUTE ON FUNCTION kinde_profile_upsert(text, boolean, jsonb), kinde_profile_delete(text),
                          kinde_webhook_apply(jsonb) TO kinde_writer;

-- docs/supabase-auth.md, "The migration": the hook's grants.
GRANT USAGE ON SCHEMA public TO supabase_auth_admin;
GRANT EXECUTE ON FUNCTION public.kinde_claims_access_token_hook(jsonb) TO supabase_auth_admin;

-- docs/supabase-auth.md, "Policies that read the claims": the app's table, readable by
-- subscribers only, and an RPC the tests call through PostgREST as the token's role.
CREATE TABLE public.premium_articles (id int PRIMARY KEY, title text NOT NULL);
ALTER TABLE public.premium_articles ENABLE ROW LEVEL SECURITY;
CREATE POLICY "subscribers read premium articles" ON public.premium_articles
    FOR SELECT TO authenticated
    USING (coalesce((auth.jwt() ->> 'lifetime_subscriber')::boolean, false));
INSERT INTO public.premium_articles VALUES (1, 'Lifetime members only');
CREATE FUNCTION public.premium_titles() RETURNS jsonb LANGUAGE sql STABLE
AS $$ SELECT coalesce(jsonb_agg(title ORDER BY id), '[]') FROM public.premium_articles $$;
CREATE FUNCTION public.whoami() RETURNS jsonb LANGUAGE sql STABLE
AS $$ SELECT jsonb_build_object('current_user', current_user, 'role_claim', auth.jwt() ->> 'role') $$;
