-- Test fixture: the app of test/suites/45-supabase-auth, as docs/supabase-auth.md's "Policies that
-- read the claims" has it: a table readable by subscribers only (a claim of Supabase's token, read
-- with auth.jwt()), and the RPCs the tests call through PostgREST as the token's role. Run by the
-- role that installed kinde_claims (a superuser for the C++ edition, the owner for the SQL
-- edition); the database's default privileges grant what it creates to the API roles.
\set ON_ERROR_STOP on

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
