-- Supabase Auth's custom access token hook (FACTS.md §10-§11; access_token_hook.cpp). Auth calls
-- it as supabase_auth_admin (NOINHERIT, search_path = auth, no rights on kinde_claims), inside the
-- transaction that writes the session, under a 2 s statement_timeout, on every sign-in and every
-- refresh, and validates the claims it answers. It finds the user's Kinde id in auth.identities
-- (provider_id of the user's identity of the configured provider), never in user_metadata, which
-- users write themselves (§12); adds what kinde_claims_for answers as top-level claims; and never
-- replaces a claim Supabase sets or requires (§11): those names are left out and reported.
-- It reads through its owner's rights, never writes, and calls nothing outside the database.
-- A failure (no auth schema, an ambiguous or invalid identity, a lock held past lock_timeout,
-- the statement timeout) never escapes, since an uncaught error fails the sign-in with 500 (§10):
-- with kinde_claims.supabase_hook_on_error 'open' (the default) it answers the claims unchanged,
-- with 'closed' Auth's error object; both are reported with a WARNING (the server log). The
-- provider is kinde_claims.supabase_identity_provider ('custom:kinde'). A lock wait (VACUUM
-- FULL, DDL) fails after 500 ms, well inside Auth's 2 s, and the hook answers. No name is looked
-- up through search_path.
CREATE OR REPLACE FUNCTION @extschema@.kinde_claims_access_token_hook(event jsonb)
    RETURNS jsonb
    AS 'MODULE_PATHNAME', 'kinde_claims_access_token_hook'
    LANGUAGE C STABLE SECURITY DEFINER;
COMMENT ON FUNCTION @extschema@.kinde_claims_access_token_hook(jsonb) IS
    'Supabase Auth custom access token hook: the event with the Kinde user''s claims (kinde_claims_for) added to claims, never replacing a claim Supabase sets; grant EXECUTE to supabase_auth_admin only';
