-- Supabase Auth's call of the custom access token hook for a random Kinde user: the event as Auth
-- builds it (FACTS.md §11), bound as one jsonb parameter, as in hookspgfunc.go.
\set i random(1, :size)
SELECT public.kinde_claims_access_token_hook(jsonb_build_object(
    'user_id', md5(:i::text)::uuid, 'authentication_method', 'token_refresh',
    'claims', jsonb_build_object('sub', md5(:i::text)::uuid, 'aud', 'authenticated', 'exp', 1765112400,
        'iat', 1765108800, 'email', '', 'phone', '', 'role', 'authenticated', 'aal', 'aal1',
        'session_id', '5e550000-0000-0000-0000-000000000000', 'is_anonymous', false,
        'app_metadata', '{}'::jsonb, 'user_metadata', '{}'::jsonb)));
