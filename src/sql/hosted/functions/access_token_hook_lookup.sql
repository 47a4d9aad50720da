-- access_token_hook_lookup(event jsonb, user_id text, provider text) RETURNS jsonb: the hook's
-- lookup (lookup in access_token_hook.cpp), which raises on any failure for its caller to catch:
-- the event unchanged without a user id or without an identity of `provider` for the user;
-- else the event with the Kinde user's stored claims (kinde_claims_for) added to "claims", those
-- Supabase sets or requires (rules_supabase_token_claim_names) or already in the token left out
-- and reported in a WARNING. Raises 22P02 for a user id that is no uuid, 42P01, 42809 or 42703
-- when auth.identities is missing or not shaped like Auth's, 21000 for two identities of the
-- provider, 22023 for a provider_id that is not a Kinde user id or stored claims that are not an
-- object. A lock wait fails after 500 ms (the SET clause), well inside Auth's 2 s.
CREATE OR REPLACE FUNCTION kinde_claims.access_token_hook_lookup(event jsonb, user_id text, provider text)
    RETURNS jsonb
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp SET lock_timeout = '500ms'
AS $$
DECLARE
    auth_user uuid;
    identities record;
    stored jsonb;
    claims jsonb := event -> 'claims';
    merged jsonb;
    skipped text[];
    kinde_violation text[];
BEGIN
    IF user_id IS NULL THEN
        RETURN event;
    END IF;
    IF user_id COLLATE "C" !~ '^[ -~]*$' THEN
        RAISE EXCEPTION USING ERRCODE = '22P02',
            MESSAGE = 'invalid input syntax for type uuid: ' || kinde_claims.loggable_user_id(user_id);
    END IF;
    auth_user := user_id::uuid;
    IF to_regclass('auth.identities') IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '42P01', MESSAGE = 'relation "auth.identities" does not exist';
    END IF;
    IF (SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass('auth.identities')) <> 'r' THEN
        RAISE EXCEPTION USING ERRCODE = '42809', MESSAGE = 'auth.identities is not a table';
    END IF;
    IF (SELECT count(*) FROM pg_attribute a
        WHERE a.attrelid = to_regclass('auth.identities') AND a.attnum > 0 AND NOT a.attisdropped
          AND (a.attname, a.atttypid) IN (('user_id', 'uuid'::regtype), ('provider', 'text'::regtype),
                                           ('provider_id', 'text'::regtype))) <> 3 THEN
        RAISE EXCEPTION USING ERRCODE = '42703',
            MESSAGE = 'auth.identities has no uuid user_id, text provider and text provider_id columns';
    END IF;
    EXECUTE 'SELECT count(*) AS n, min(i.provider_id COLLATE "C") AS kinde_id FROM auth.identities i
             WHERE i.user_id = $1 AND i.provider = $2 AND i.provider_id IS NOT NULL'
        INTO identities USING auth_user, provider;
    IF identities.n = 0 THEN
        RETURN event;  -- not a Kinde user (a password sign-up, another provider): unchanged
    END IF;
    IF identities.n > 1 THEN
        RAISE EXCEPTION USING ERRCODE = '21000',
            MESSAGE = format('user %s has %s identities of provider %s: which one''s claims is ambiguous',
                             kinde_claims.loggable_user_id(user_id), identities.n, provider);
    END IF;
    kinde_violation := kinde_claims.key_violation(identities.kinde_id, false);
    IF kinde_violation IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = kinde_violation[1], HINT = kinde_violation[2];
    END IF;
    stored := kinde_claims.token_claims(p.lifetime_subscriber, p.claims)
              FROM kinde_claims.profiles p WHERE p.kinde_id = identities.kinde_id;
    stored := COALESCE(stored, '{"lifetime_subscriber": false}');
    -- Only writes that skip the profile's triggers can store claims that are not an object.
    IF jsonb_typeof(stored) <> 'object' THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = format('the stored claims of Kinde user %s are not a JSON object', identities.kinde_id);
    END IF;
    SELECT claims || COALESCE(jsonb_object_agg(s.key, s.value) FILTER (WHERE NOT s.taken), '{}'),
           array_agg(s.key ORDER BY s.key COLLATE "C") FILTER (WHERE s.taken)
    INTO merged, skipped
    FROM (SELECT e.key, e.value,
                 claims ? e.key OR e.key = ANY (kinde_claims.rules_supabase_token_claim_names()) AS taken
          FROM jsonb_each(stored) e) s;
    IF skipped IS NOT NULL THEN
        RAISE WARNING USING
            MESSAGE = 'kinde_claims_access_token_hook: left out stored claims named like Supabase''s own or already in '
                      'the token: ' || array_to_string(skipped, ', '),
            DETAIL = format('Kinde user %s (Supabase user %s).', identities.kinde_id, kinde_claims.loggable_user_id(user_id)),
            HINT = 'Supabase Auth sets or requires these names; store such a claim under another name (for example '
                   'app_role for role).';
    END IF;
    RETURN jsonb_set(event, '{claims}', merged);
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.access_token_hook_lookup(jsonb, text, text) FROM PUBLIC;
