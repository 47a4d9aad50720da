-- kinde_claims 0.7.0 -> 0.8.0: the claims in Supabase's own access token, through Supabase Auth's
-- custom access token hook (docs/supabase-auth.md).
\echo Use "ALTER EXTENSION kinde_claims UPDATE TO '0.8.0'" to load this file. \quit

-- ---------------------------------------------------------------------------------------------
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
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.kinde_claims_access_token_hook(event jsonb)
    RETURNS jsonb
    AS 'MODULE_PATHNAME', 'kinde_claims_access_token_hook'
    LANGUAGE C STABLE SECURITY DEFINER;
COMMENT ON FUNCTION @extschema@.kinde_claims_access_token_hook(jsonb) IS
    'Supabase Auth custom access token hook: the event with the Kinde user''s claims (kinde_claims_for) added to claims, never replacing a claim Supabase sets; grant EXECUTE to supabase_auth_admin only';

-- ---------------------------------------------------------------------------------------------
-- Bulk reloads (docs/app-tables.md#truncate-and-other-writes-without-row-triggers). The projection
-- trigger functions also run as a statement-level BEFORE TRUNCATE trigger with the same arguments
-- (no SQL object changes for that: the C function accepts it): every row TRUNCATE removes loses
-- its claims as a DELETE would take them, through the same write path, history source
-- 'truncate'. The check and the repair find and fix what a write without row triggers left
-- behind (a TRUNCATE before the trigger existed, a disabled trigger, a detached or dropped
-- partition, a restore of a partial dump). SECURITY INVOKER: the app table is read with the
-- caller's privileges and row-level security (refused with 42501 where it applies); the stored
-- claims are read and written as the extension's tables' owner. Nobody but the owner may run
-- them until granted.
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.kinde_claims_projection_check(app_table regclass)
    RETURNS TABLE (trigger_name name, target text, id text, stored jsonb, projected jsonb)
    AS 'MODULE_PATHNAME', 'kinde_claims_projection_check'
    LANGUAGE C STABLE SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_claims_projection_check(regclass) IS
    'The users and organizations whose stored claims disagree with what the app table''s rows project through its projection triggers';
CREATE FUNCTION @extschema@.kinde_claims_projection_repair(app_table regclass)
    RETURNS TABLE (trigger_name name, target text, id text, stored jsonb, projected jsonb)
    AS 'MODULE_PATHNAME', 'kinde_claims_projection_repair'
    LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_claims_projection_repair(regclass) IS
    'Rewrites the claims kinde_claims_projection_check reports through the projection triggers'' own write path (history source repair); returns what it rewrote';

-- Every version's script ends by taking default privileges off the objects it created.
SELECT kinde_claims.revoke_default_privileges();
