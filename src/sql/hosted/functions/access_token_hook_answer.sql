-- access_token_hook_answer(event jsonb) RETURNS jsonb: the body of kinde_claims_access_token_hook
-- (pinned to pg_catalog, as the hook itself has no SET clause): the lookup in an exception block,
-- every failure caught, reported with a WARNING and answered as supabase_hook_on_error says.
CREATE OR REPLACE FUNCTION kinde_claims.access_token_hook_answer(event jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    user_id text;
    closed boolean := current_setting('kinde_claims.supabase_hook_on_error', true) = 'closed';
    provider text := COALESCE(nullif(current_setting('kinde_claims.supabase_identity_provider', true), ''),
                              'custom:kinde');
    message text;
    state text;
BEGIN
    IF event IS NULL THEN
        RETURN NULL;
    END IF;
    IF jsonb_typeof(event) = 'object' AND jsonb_typeof(event -> 'user_id') IS DISTINCT FROM 'null'
       AND event ? 'user_id' THEN
        IF jsonb_typeof(event -> 'user_id') = 'string' THEN
            -- At most 64 bytes: longer is no uuid either way, and the text goes into log lines.
            user_id := event ->> 'user_id';
            WHILE octet_length(user_id) > 64 LOOP
                user_id := left(user_id, least(length(user_id) - 1, 64));
            END LOOP;
        ELSE
            user_id := '(not a string)';
        END IF;
    END IF;
    IF jsonb_typeof(event) IS DISTINCT FROM 'object' OR jsonb_typeof(event -> 'claims') IS DISTINCT FROM 'object' THEN
        RAISE WARNING USING MESSAGE = 'kinde_claims_access_token_hook: the event has no claims object; refusing the token',
            DETAIL = 'user_id ' || kinde_claims.loggable_user_id(user_id);
        RETURN '{"error": {"http_code": 500, "message": "kinde_claims: the hook event has no claims object"}}'::jsonb;
    END IF;
    BEGIN
        RETURN kinde_claims.access_token_hook_lookup(event, user_id, provider);
    EXCEPTION WHEN OTHERS OR query_canceled THEN
        GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, state = RETURNED_SQLSTATE;
    END;
    IF closed THEN
        RAISE WARNING USING MESSAGE = format('kinde_claims_access_token_hook: refused the token: %s (SQLSTATE %s)',
                                             message, state),
            DETAIL = 'user_id ' || kinde_claims.loggable_user_id(user_id);
        -- 503 where trying again later can succeed (a lock, a timeout, a restart), 500 otherwise.
        RETURN jsonb_build_object('error', jsonb_build_object(
            'http_code', CASE WHEN left(state, 2) IN ('08', '40', '53', '55', '57') THEN 503 ELSE 500 END,
            'message', 'kinde_claims: the token''s claims could not be read'));
    END IF;
    RAISE WARNING USING MESSAGE = format('kinde_claims_access_token_hook: the token keeps Supabase''s claims only: %s (SQLSTATE %s)',
                                         message, state),
        DETAIL = 'user_id ' || kinde_claims.loggable_user_id(user_id),
        HINT = 'kinde_claims.supabase_hook_on_error is open; set it to closed to refuse such tokens instead.';
    RETURN event;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.access_token_hook_answer(jsonb) FROM PUBLIC;
