-- kinde_claims_access_token_hook(event jsonb) RETURNS jsonb: Supabase Auth's custom access token
-- hook (docs/supabase-auth.md). Auth calls it as supabase_auth_admin inside the transaction that
-- writes the session, under a 2 s statement_timeout (FACTS.md §10-§11). It finds the user's Kinde
-- id in auth.identities (provider_id of the user's identity of kinde_claims.supabase_identity_provider,
-- default custom:kinde; never user_metadata, §12) and adds what kinde_claims_for answers for it as
-- top-level claims, never replacing a claim Supabase sets or requires (access_token_hook_lookup).
-- It never writes, and no failure escapes: Auth fails the sign-in with 500 on any SQL error (§10).
-- A failure (no auth schema, an ambiguous or invalid identity, a lock held past 500 ms, the
-- statement timeout) is reported with a WARNING and answered per
-- kinde_claims.supabase_hook_on_error: 'open' (the default) returns the event as it came,
-- 'closed' Auth's error object {"error": {"http_code": 503 for a lock, timeout or restart, else
-- 500, "message": ...}}. An event without a claims object is refused (500); NULL answers NULL.
-- Unlike the C++ edition the lookup always runs in a subtransaction (PL/pgSQL's exception block),
-- and the settings are read with current_setting (not checked when set).
CREATE OR REPLACE FUNCTION @extschema@.kinde_claims_access_token_hook(event jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
AS $$
BEGIN
    RETURN kinde_claims.access_token_hook_answer(event);
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_claims_access_token_hook(jsonb) IS
    'Supabase Auth custom access token hook: the event with the Kinde user''s claims (kinde_claims_for) added to claims, never replacing a claim Supabase sets; grant EXECUTE to supabase_auth_admin only';
