-- The same event as access_token_hook.sql without the hook: what building it costs.
\set i random(1, :size)
SELECT jsonb_build_object(
    'user_id', md5(:i::text)::uuid, 'authentication_method', 'token_refresh',
    'claims', jsonb_build_object('sub', md5(:i::text)::uuid, 'aud', 'authenticated', 'exp', 1765112400,
        'iat', 1765108800, 'email', '', 'phone', '', 'role', 'authenticated', 'aal', 'aal1',
        'session_id', '5e550000-0000-0000-0000-000000000000', 'is_anonymous', false,
        'app_metadata', '{}'::jsonb, 'user_metadata', '{}'::jsonb));
