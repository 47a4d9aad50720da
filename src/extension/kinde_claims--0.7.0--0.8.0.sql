-- kinde_claims 0.7.0 -> 0.8.0: the claims in Supabase's own access token, through Supabase Auth's
-- custom access token hook (docs/supabase-auth.md).
\echo Use "ALTER EXTENSION kinde_claims UPDATE TO '0.8.0'" to load this file. \quit

-- ---------------------------------------------------------------------------------------------
-- The hook's settings: which Supabase identity provider is Kinde, and what a failure does. No
-- row means the defaults ('custom:kinde', fail open); kinde_claims_access_token_hook_configure
-- writes the one row. A table, not a GUC: the hook runs as supabase_auth_admin, whose role
-- settings a hosted project's owner cannot change (FACTS.md §14), and the SQL edition has no
-- superuser to define a GUC. pg_dump dumps the row, and a restore's CREATE EXTENSION adds none.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kinde_claims.access_token_hook_settings (
    only_row boolean PRIMARY KEY DEFAULT true CONSTRAINT access_token_hook_settings_one_row CHECK (only_row),
    identity_provider text COLLATE "C" NOT NULL,
    on_error text COLLATE "C" NOT NULL CONSTRAINT access_token_hook_settings_on_error CHECK (on_error IN ('open', 'closed'))
);
ALTER TABLE kinde_claims.access_token_hook_settings ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('kinde_claims.access_token_hook_settings', '');

-- Sets what is given (NULL leaves a setting as it is) and answers the settings in force.
-- Supabase Auth lower-cases provider names and a custom provider's identifier is 2 to 50
-- lowercase letters, digits, '-' and ':' (FACTS.md §12), so anything else could never match.
CREATE FUNCTION @extschema@.kinde_claims_access_token_hook_configure(
        identity_provider text DEFAULT NULL, on_error text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    provider text := 'custom:kinde';
    mode text := 'open';
BEGIN
    IF identity_provider IS NOT NULL AND identity_provider !~ '^[a-z0-9][a-z0-9:-]{1,49}$' THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = format('invalid identity provider %s', pg_catalog.left(pg_catalog.quote_literal(identity_provider), 60)),
            HINT = 'Supabase Auth names a custom provider "custom:" followed by its identifier (such as custom:kinde): '
                   '2 to 50 lowercase letters, digits, "-" and ":".';
    END IF;
    IF on_error IS NOT NULL AND on_error NOT IN ('open', 'closed') THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = format('invalid on_error %s', pg_catalog.left(pg_catalog.quote_literal(on_error), 60)),
            HINT = 'on_error is ''open'' (a failure leaves the token''s claims unchanged) or ''closed'' (it refuses the token).';
    END IF;
    SELECT s.identity_provider, s.on_error INTO provider, mode
      FROM kinde_claims.access_token_hook_settings s FOR UPDATE;
    IF NOT FOUND THEN
        provider := 'custom:kinde';
        mode := 'open';
    END IF;
    provider := coalesce(identity_provider, provider);
    mode := coalesce(on_error, mode);
    INSERT INTO kinde_claims.access_token_hook_settings AS s (only_row, identity_provider, on_error)
    VALUES (true, provider, mode)
    ON CONFLICT (only_row) DO UPDATE SET identity_provider = excluded.identity_provider, on_error = excluded.on_error;
    RETURN pg_catalog.jsonb_build_object('identity_provider', provider, 'on_error', mode);
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_claims_access_token_hook_configure(text, text) IS
    'Settings of kinde_claims_access_token_hook: the Supabase identity provider that is Kinde (default custom:kinde) and on_error (open or closed); NULL leaves one as it is; answers the settings in force';

-- ---------------------------------------------------------------------------------------------
-- Supabase Auth's custom access token hook (FACTS.md §10-§11). Auth calls it as
-- supabase_auth_admin (NOINHERIT, search_path = auth, no rights on kinde_claims), inside the
-- transaction that writes the session, under a 2 s statement_timeout, on every sign-in and every
-- refresh, and validates the claims it answers. It finds the user's Kinde id in auth.identities
-- (provider_id of the user's identity of the configured provider), never in user_metadata, which
-- users write themselves (§12); adds what kinde_claims_for answers as top-level claims; and never
-- replaces a claim Supabase sets or requires (§11): those names are left out and reported.
-- It reads through its owner's rights, never writes, and calls nothing outside the database.
-- A failure (no auth schema, an ambiguous or invalid identity, a lock held past lock_timeout,
-- the statement timeout) never escapes, since an uncaught error fails the sign-in with 500 (§10):
-- with on_error 'open' it answers the claims unchanged, with 'closed' Auth's error object; both
-- are reported with a WARNING (the server log).
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.kinde_claims_access_token_hook(event jsonb)
    RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    -- Well inside Auth's 2 s: a lock wait (VACUUM FULL, DDL) fails here, and the handler answers.
    SET lock_timeout = '500ms'
AS $$
DECLARE
    -- Every claim Supabase Auth sets or requires in its access token (FACTS.md §11).
    supabase_names CONSTANT text[] := ARRAY['aal', 'amr', 'app_metadata', 'aud', 'client_id', 'email', 'exp', 'iat',
        'is_anonymous', 'iss', 'jti', 'nbf', 'phone', 'role', 'scope', 'session_id', 'sub', 'user_metadata'];
    provider_name text;
    mode text;
    claims jsonb := event -> 'claims';
    supabase_user uuid;
    kinde_ids text[];
    stored jsonb;
    skipped text[];
    state text;
    failure text;
BEGIN
    IF pg_catalog.jsonb_typeof(claims) IS DISTINCT FROM 'object' THEN
        RAISE WARNING 'kinde_claims_access_token_hook: the event has no claims object; refusing the token'
            USING DETAIL = format('user_id %s', coalesce(pg_catalog.left(event ->> 'user_id', 60), 'missing'));
        RETURN pg_catalog.jsonb_build_object('error', pg_catalog.jsonb_build_object(
            'http_code', 500, 'message', 'kinde_claims: the hook event has no claims object'));
    END IF;
    BEGIN
        SELECT s.identity_provider, s.on_error INTO provider_name, mode FROM kinde_claims.access_token_hook_settings s;
        provider_name := coalesce(provider_name, 'custom:kinde');
        mode := coalesce(mode, 'open');
        supabase_user := (event ->> 'user_id')::uuid;
        SELECT pg_catalog.array_agg(i.provider_id::text ORDER BY i.provider_id) INTO kinde_ids
          FROM auth.identities i
         WHERE i.user_id = supabase_user AND i.provider = provider_name;
        IF kinde_ids IS NULL THEN
            RETURN event;  -- not a Kinde user (a password sign-up, another provider): unchanged
        END IF;
        IF pg_catalog.cardinality(kinde_ids) > 1 THEN
            RAISE EXCEPTION USING ERRCODE = '21000',
                MESSAGE = format('user %s has %s identities of provider %s (%s): which one''s claims is ambiguous',
                                 supabase_user, pg_catalog.cardinality(kinde_ids), provider_name,
                                 pg_catalog.array_to_string(kinde_ids, ', '));
        END IF;
        stored := @extschema@.kinde_claims_for(kinde_ids[1]);
        SELECT pg_catalog.array_agg(k ORDER BY k) INTO skipped
          FROM pg_catalog.jsonb_object_keys(stored) k
         WHERE k = ANY (supabase_names) OR claims ? k;
        IF skipped IS NOT NULL THEN
            RAISE WARNING 'kinde_claims_access_token_hook: left out stored claims named like Supabase''s own: %',
                    pg_catalog.array_to_string(skipped, ', ')
                USING DETAIL = format('Kinde user %s (Supabase user %s).', kinde_ids[1], supabase_user),
                      HINT = 'Supabase Auth sets or requires these names; store such a claim under another name (for example app_role for role).';
            stored := stored - skipped;
        END IF;
        RETURN pg_catalog.jsonb_set(event, '{claims}', claims || stored);
    EXCEPTION WHEN OTHERS OR query_canceled THEN
        GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, failure = MESSAGE_TEXT;
        IF mode = 'closed' THEN
            RAISE WARNING 'kinde_claims_access_token_hook: refused the token: % (SQLSTATE %)', failure, state
                USING DETAIL = format('user_id %s', coalesce(pg_catalog.left(event ->> 'user_id', 60), 'missing'));
            -- 503 where trying again later can succeed (a lock, a timeout, a restart), 500 otherwise.
            RETURN pg_catalog.jsonb_build_object('error', pg_catalog.jsonb_build_object(
                'http_code', CASE WHEN pg_catalog.left(state, 2) IN ('08', '40', '53', '55', '57') THEN 503 ELSE 500 END,
                'message', 'kinde_claims: the token''s claims could not be read'));
        END IF;
        RAISE WARNING 'kinde_claims_access_token_hook: the token keeps Supabase''s claims only: % (SQLSTATE %)', failure, state
            USING DETAIL = format('user_id %s', coalesce(pg_catalog.left(event ->> 'user_id', 60), 'missing')),
                  HINT = 'on_error is open; kinde_claims_access_token_hook_configure(on_error => ''closed'') refuses such tokens instead.';
        RETURN event;
    END;
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_claims_access_token_hook(jsonb) IS
    'Supabase Auth custom access token hook: the event with the Kinde user''s claims (kinde_claims_for) added to claims, never replacing a claim Supabase sets; grant EXECUTE to supabase_auth_admin only';

-- Every version's script ends by taking default privileges off the objects it created.
SELECT kinde_claims.revoke_default_privileges();
