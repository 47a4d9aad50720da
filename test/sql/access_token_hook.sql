-- Supabase Auth's custom access token hook (0.8.0): kinde_claims_access_token_hook(event) adds a
-- Kinde user's claims to Supabase's token, found through auth.identities, never replacing a claim
-- Supabase sets; failures never escape; grants as Supabase's docs ask (FACTS.md §10-§14).
CREATE EXTENSION kinde_claims;
\set SHOW_CONTEXT never
\set VERBOSITY default

-- Nothing of the hook is granted to PUBLIC, anon or authenticated after install, even with
-- Supabase-style default privileges in place for the installing role.
CREATE ROLE anon NOLOGIN NOINHERIT;
CREATE ROLE authenticated NOLOGIN NOINHERIT;
SELECT p.oid::regprocedure AS function, p.proacl, p.prosecdef, p.provolatile, p.proconfig
FROM pg_proc p WHERE p.proname LIKE 'kinde_claims_access_token_hook%' ORDER BY 1;
SELECT has_function_privilege('anon', 'kinde_claims_access_token_hook(jsonb)', 'EXECUTE') AS anon,
       has_function_privilege('authenticated', 'kinde_claims_access_token_hook(jsonb)', 'EXECUTE') AS authenticated;

-- Before Supabase's auth schema exists (a plain Postgres): the hook answers the claims unchanged
-- and says why in a WARNING.
SELECT kinde_claims_access_token_hook('{"user_id": "00000000-0000-0000-0000-000000000001", "claims": {"role": "authenticated"}}');

-- Supabase Auth's tables and role (test/supabase/auth.sql, a fixture), then the grants
-- docs/supabase-auth.md tells the owner to run.
\set ECHO none
\i test/supabase/auth.sql
\set ECHO all
GRANT USAGE ON SCHEMA public TO supabase_auth_admin;
GRANT EXECUTE ON FUNCTION kinde_claims_access_token_hook(jsonb) TO supabase_auth_admin;
-- supabase_auth_admin itself has no right on the private tables: the hook reads them as its owner.
SELECT has_table_privilege('supabase_auth_admin', 'kinde_claims.profiles', 'SELECT') AS profiles,
       has_schema_privilege('supabase_auth_admin', 'kinde_claims', 'USAGE') AS private_schema;

-- Users: a Kinde user with a profile, a Kinde user without one, a password user whose
-- user_metadata names a Kinde id (users write user_metadata themselves), a Google user.
INSERT INTO auth.users (id, raw_user_meta_data) VALUES
    ('a0000000-0000-0000-0000-00000000000a', '{"sub": "kp_hook1"}'),
    ('b0000000-0000-0000-0000-00000000000b', '{"sub": "kp_hook2"}'),
    ('c0000000-0000-0000-0000-00000000000c', '{"sub": "kp_hook1"}'),
    ('d0000000-0000-0000-0000-00000000000d', '{}');
INSERT INTO auth.identities (provider_id, user_id, identity_data, provider) VALUES
    ('kp_hook1', 'a0000000-0000-0000-0000-00000000000a', '{"sub": "kp_hook1"}', 'custom:kinde'),
    ('kp_hook2', 'b0000000-0000-0000-0000-00000000000b', '{"sub": "kp_hook2"}', 'custom:kinde'),
    ('c0000000-0000-0000-0000-00000000000c', 'c0000000-0000-0000-0000-00000000000c', '{}', 'email'),
    ('kp_hook1', 'd0000000-0000-0000-0000-00000000000d', '{"sub": "kp_hook1"}', 'google');
SELECT kinde_profile_upsert('kp_hook1', true, '{"plan": "pro", "https://example.com/seats": 5}');

-- The event as Supabase Auth sends it (FACTS.md §11), for a user and an authentication method.
CREATE FUNCTION pg_temp.event(user_id text, aud jsonb DEFAULT '"authenticated"') RETURNS jsonb
    LANGUAGE sql AS $$
    SELECT jsonb_build_object(
        'metadata', jsonb_build_object('uuid', '5d4ab4a1-0000-0000-0000-000000000000', 'time', '2026-12-07T12:00:00Z',
                                       'name', 'customize-access-token'),
        'user_id', user_id,
        'authentication_method', 'oauth',
        'claims', jsonb_build_object(
            'iss', 'https://project.supabase.co/auth/v1', 'sub', user_id, 'aud', aud,
            'exp', 1765112400, 'iat', 1765108800, 'email', '', 'phone', '',
            'app_metadata', jsonb_build_object('provider', 'custom:kinde'), 'user_metadata', '{}'::jsonb,
            'role', 'authenticated', 'aal', 'aal1',
            'amr', jsonb_build_array(jsonb_build_object('method', 'oauth', 'timestamp', 1765108800)),
            'session_id', '5e550000-0000-0000-0000-000000000000', 'is_anonymous', false))
$$;

-- Called as Auth calls it: as supabase_auth_admin, search_path auth, inside a transaction under
-- a 2 s statement_timeout. The claims are added at the top level; everything else is Auth's.
SET ROLE supabase_auth_admin;
SET search_path = auth;
BEGIN;
SET LOCAL statement_timeout TO '2000';
SELECT public.kinde_claims_access_token_hook(pg_temp.event('a0000000-0000-0000-0000-00000000000a'))
       - 'claims' AS event_kept,
       (public.kinde_claims_access_token_hook(pg_temp.event('a0000000-0000-0000-0000-00000000000a'))
        -> 'claims') - ARRAY['aud', 'exp', 'iat', 'iss', 'sub', 'email', 'phone', 'app_metadata', 'user_metadata',
                           'role', 'aal', 'amr', 'session_id', 'is_anonymous'] AS added;
-- Supabase's own claims come back exactly as they went in.
SELECT (public.kinde_claims_access_token_hook(pg_temp.event('a0000000-0000-0000-0000-00000000000a')) -> 'claims')
       - ARRAY['plan', 'lifetime_subscriber', 'https://example.com/seats']
       = pg_temp.event('a0000000-0000-0000-0000-00000000000a') -> 'claims' AS supabase_claims_unchanged;
-- The hook wrote nothing: no transaction id was assigned.
SELECT txid_current_if_assigned() IS NULL AS wrote_nothing;
SET LOCAL statement_timeout TO default;
COMMIT;

-- aud as a string and as a one-element array (golang-jwt marshals either, FACTS.md §11).
SELECT public.kinde_claims_access_token_hook(pg_temp.event('a0000000-0000-0000-0000-00000000000a', '["authenticated"]'))
       #> '{claims,aud}' AS aud_array,
       public.kinde_claims_access_token_hook(pg_temp.event('a0000000-0000-0000-0000-00000000000a', '"authenticated"'))
       #> '{claims,aud}' AS aud_string;
-- A Kinde user with no profile gets the defaults.
SELECT public.kinde_claims_access_token_hook(pg_temp.event('b0000000-0000-0000-0000-00000000000b')) #> '{claims,lifetime_subscriber}' AS no_profile;
-- A password user (whose user_metadata names kp_hook1) and a Google user whose provider_id looks
-- like a Kinde id: claims unchanged.
SELECT public.kinde_claims_access_token_hook(pg_temp.event('c0000000-0000-0000-0000-00000000000c'))
       = pg_temp.event('c0000000-0000-0000-0000-00000000000c') AS password_user_unchanged,
       public.kinde_claims_access_token_hook(pg_temp.event('d0000000-0000-0000-0000-00000000000d'))
       = pg_temp.event('d0000000-0000-0000-0000-00000000000d') AS google_user_unchanged;
-- A user id in another form Postgres reads (braces, upper case) is the same user.
SELECT public.kinde_claims_access_token_hook(jsonb_set(pg_temp.event('a0000000-0000-0000-0000-00000000000a'), '{user_id}', '"{A0000000-0000-0000-0000-00000000000A}"')) #> '{claims,plan}' AS braces,
       public.kinde_claims_access_token_hook(jsonb_set(pg_temp.event('a0000000-0000-0000-0000-00000000000a'), '{user_id}', '"A0000000-0000-0000-0000-00000000000A"')) #> '{claims,plan}' AS upper_case;
-- An unknown user id: unchanged.
SELECT public.kinde_claims_access_token_hook(pg_temp.event('e0000000-0000-0000-0000-00000000000e'))
       = pg_temp.event('e0000000-0000-0000-0000-00000000000e') AS unknown_user_unchanged;
RESET search_path;
RESET ROLE;

-- Stored claims named like each of Supabase's (FACTS.md §11): Kinde's own rules refuse some
-- (aud, exp, iat, iss, jti, nbf, sub: Kinde reserves them; email is Kinde-issued); every one a
-- profile can hold is left out of the token, reported, and Supabase's value stays.
CREATE TEMP TABLE supabase_name (name text);
INSERT INTO supabase_name VALUES ('aal'), ('amr'), ('app_metadata'), ('aud'), ('client_id'), ('email'), ('exp'),
    ('iat'), ('is_anonymous'), ('iss'), ('jti'), ('nbf'), ('phone'), ('role'), ('scope'), ('session_id'), ('sub'),
    ('user_metadata');
CREATE TEMP TABLE stored_as AS SELECT name, NULL::text AS outcome FROM supabase_name;
DO $$
DECLARE
    n record;
BEGIN
    FOR n IN SELECT name FROM supabase_name ORDER BY name LOOP
        BEGIN
            PERFORM kinde_profile_upsert('kp_hook3', false, jsonb_build_object(n.name, 'service_role', 'kept', n.name));
            UPDATE stored_as SET outcome = 'stored' WHERE name = n.name;
        EXCEPTION WHEN OTHERS THEN
            UPDATE stored_as SET outcome = 'refused ' || SQLSTATE WHERE name = n.name;
        END;
    END LOOP;
END
$$;
SELECT * FROM stored_as ORDER BY name;
INSERT INTO auth.users (id) VALUES ('f0000000-0000-0000-0000-00000000000f');
INSERT INTO auth.identities (provider_id, user_id, identity_data, provider)
VALUES ('kp_hook3', 'f0000000-0000-0000-0000-00000000000f', '{}', 'custom:kinde');
-- All the storable ones at once.
SELECT kinde_profile_upsert('kp_hook3', true,
    (SELECT jsonb_object_agg(name, 'service_role') || '{"app_role": "admin"}' FROM stored_as WHERE outcome = 'stored'));
SET ROLE supabase_auth_admin;
SELECT public.kinde_claims_access_token_hook(pg_temp.event('f0000000-0000-0000-0000-00000000000f')) -> 'claims'
       = (pg_temp.event('f0000000-0000-0000-0000-00000000000f') -> 'claims')
         || '{"app_role": "admin", "lifetime_subscriber": true}' AS only_the_renamed_claim_added;
SELECT public.kinde_claims_access_token_hook(pg_temp.event('f0000000-0000-0000-0000-00000000000f')) #>> '{claims,role}' AS role;
-- A claim Supabase omits when empty (client_id, scope) stays out too.
SELECT public.kinde_claims_access_token_hook(pg_temp.event('f0000000-0000-0000-0000-00000000000f')) -> 'claims' ?| ARRAY['client_id', 'scope'] AS omitted_names_added;
RESET ROLE;

-- A 4 KB claims object reaches the token whole.
SELECT kinde_profile_upsert('kp_hook1', true, jsonb_build_object('notes', repeat('n', 4000), 'plan', 'pro')) IS NOT NULL AS stored;
SET ROLE supabase_auth_admin;
SELECT length(public.kinde_claims_access_token_hook(pg_temp.event('a0000000-0000-0000-0000-00000000000a')) #>> '{claims,notes}') AS notes_length,
       length((public.kinde_claims_access_token_hook(pg_temp.event('a0000000-0000-0000-0000-00000000000a')) -> 'claims')::text) > 4000 AS over_4kb;
RESET ROLE;

-- Hostile and odd events. A missing or non-object claims: Auth would answer 500 for the output
-- anyway; the hook says why.
SET ROLE supabase_auth_admin;
SELECT public.kinde_claims_access_token_hook('{"user_id": "a0000000-0000-0000-0000-00000000000a"}');
SELECT public.kinde_claims_access_token_hook('{"user_id": "a0000000-0000-0000-0000-00000000000a", "claims": ["role"]}');
SELECT public.kinde_claims_access_token_hook('{"user_id": "a0000000-0000-0000-0000-00000000000a", "claims": null}');
-- A user id that is not a uuid, and none: open by default, so the claims unchanged, reported.
SELECT public.kinde_claims_access_token_hook('{"user_id": "kp_hook1", "claims": {"role": "authenticated"}}');
SELECT public.kinde_claims_access_token_hook('{"claims": {"role": "authenticated"}}');
RESET ROLE;
-- Two Kinde identities for one user: which claims is ambiguous, so none are added.
INSERT INTO auth.identities (provider_id, user_id, identity_data, provider)
VALUES ('kp_hook2', 'a0000000-0000-0000-0000-00000000000a', '{}', 'custom:kinde-other'),
       ('kp_hookx', 'a0000000-0000-0000-0000-00000000000a', '{}', 'custom:kinde');
SET ROLE supabase_auth_admin;
SELECT public.kinde_claims_access_token_hook(pg_temp.event('a0000000-0000-0000-0000-00000000000a'))
       = pg_temp.event('a0000000-0000-0000-0000-00000000000a') AS two_identities_unchanged;
RESET ROLE;
DELETE FROM auth.identities WHERE provider_id = 'kp_hookx';
-- An identity whose provider_id is not a valid Kinde id: kinde_claims_for's own rule refuses it.
INSERT INTO auth.users (id) VALUES ('10000000-0000-0000-0000-000000000001');
INSERT INTO auth.identities (provider_id, user_id, identity_data, provider)
VALUES ('kp_hook1''; DROP TABLE kinde_claims.profiles; --', '10000000-0000-0000-0000-000000000001', '{}', 'custom:kinde');
SET ROLE supabase_auth_admin;
SELECT public.kinde_claims_access_token_hook(pg_temp.event('10000000-0000-0000-0000-000000000001'))
       = pg_temp.event('10000000-0000-0000-0000-000000000001') AS invalid_kinde_id_unchanged;
RESET ROLE;
SELECT count(*) AS profiles_still_there FROM kinde_claims.profiles;

-- The settings: the owner's (a superuser's in the C++ edition; who may change them:
-- edition_settings.sql), checked when set.
\getenv abs_srcdir PG_ABS_SRCDIR
\set setting_sql :abs_srcdir '/lib/setting.sql'
\i :setting_sql
SELECT pg_temp.kc_show('kinde_claims.supabase_identity_provider') AS supabase_identity_provider;
SELECT pg_temp.kc_show('kinde_claims.supabase_hook_on_error') AS supabase_hook_on_error;
\set ON_ERROR_STOP 0
SELECT pg_temp.kc_set('kinde_claims.supabase_hook_on_error', 'shut');
SELECT pg_temp.kc_set('kinde_claims.supabase_identity_provider', 'Custom:Kinde');
SELECT pg_temp.kc_set('kinde_claims.supabase_identity_provider', 'k');
SELECT pg_temp.kc_set('kinde_claims.supabase_identity_provider', 'custom:kinde eu');
SELECT pg_temp.kc_set('kinde_claims.supabase_identity_provider', 'custom:kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk');
\set ON_ERROR_STOP 1
-- Closed: the same failures answer Auth's error object instead (Auth turns it into that status).
SELECT pg_temp.kc_set('kinde_claims.supabase_hook_on_error', 'closed');
SET ROLE supabase_auth_admin;
SELECT public.kinde_claims_access_token_hook('{"user_id": "kp_hook1", "claims": {"role": "authenticated"}}');
SELECT public.kinde_claims_access_token_hook(pg_temp.event('10000000-0000-0000-0000-000000000001'));
-- Closed changes nothing for the users it can serve.
SELECT public.kinde_claims_access_token_hook(pg_temp.event('a0000000-0000-0000-0000-00000000000a')) #> '{claims,plan}' AS closed_plan,
       public.kinde_claims_access_token_hook(pg_temp.event('c0000000-0000-0000-0000-00000000000c'))
       = pg_temp.event('c0000000-0000-0000-0000-00000000000c') AS closed_password_user_unchanged;
RESET ROLE;

-- Another provider name (a project that named its provider otherwise).
SELECT pg_temp.kc_set('kinde_claims.supabase_identity_provider', 'custom:kinde-other');
SELECT pg_temp.kc_set('kinde_claims.supabase_hook_on_error', 'open');
SET ROLE supabase_auth_admin;
SELECT public.kinde_claims_access_token_hook(pg_temp.event('a0000000-0000-0000-0000-00000000000a')) #> '{claims,lifetime_subscriber}' AS via_kinde_other;
RESET ROLE;
SELECT pg_temp.kc_set('kinde_claims.supabase_identity_provider', NULL);
SELECT pg_temp.kc_set('kinde_claims.supabase_hook_on_error', NULL);

-- The token carries the user's own claims: the event names no organization (FACTS.md §11).
SELECT kinde_organization_upsert('org_hook', '{"org_plan": "team"}') IS NOT NULL AS org;
SELECT kinde_membership_upsert('kp_hook1', 'org_hook', '{"seat": "editor"}') IS NOT NULL AS membership;
SET ROLE supabase_auth_admin;
SELECT public.kinde_claims_access_token_hook(pg_temp.event('a0000000-0000-0000-0000-00000000000a')) -> 'claims' ?| ARRAY['org_plan', 'seat'] AS organization_claims;
RESET ROLE;

-- Stored claims that are not an object (only a write that skips the profile's triggers can store
-- them, such as one under session_replication_role = replica): refused, not merged.
SET session_replication_role = replica;
UPDATE kinde_claims.profiles SET claims = '["a", "b", {"x": 1}]' WHERE kinde_id = 'kp_hook1';
RESET session_replication_role;
SET ROLE supabase_auth_admin;
SELECT public.kinde_claims_access_token_hook(pg_temp.event('a0000000-0000-0000-0000-00000000000a'))
       = pg_temp.event('a0000000-0000-0000-0000-00000000000a') AS array_claims_unchanged;
RESET ROLE;
SET session_replication_role = replica;
UPDATE kinde_claims.profiles SET claims = '"scalar"' WHERE kinde_id = 'kp_hook1';
RESET session_replication_role;
SET ROLE supabase_auth_admin;
SELECT public.kinde_claims_access_token_hook(pg_temp.event('a0000000-0000-0000-0000-00000000000a'))
       = pg_temp.event('a0000000-0000-0000-0000-00000000000a') AS scalar_claims_unchanged;
RESET ROLE;
SELECT kinde_profile_upsert('kp_hook1', true, '{"plan": "pro"}') IS NOT NULL AS repaired;

-- auth.identities as a view or a partitioned table (Auth's role owns schema auth): no storage of
-- its own to scan, so the hook treats it as missing.
ALTER TABLE auth.identities RENAME TO identities_real;
CREATE VIEW auth.identities AS SELECT * FROM auth.identities_real;
SET ROLE supabase_auth_admin;
SELECT public.kinde_claims_access_token_hook(pg_temp.event('a0000000-0000-0000-0000-00000000000a'))
       = pg_temp.event('a0000000-0000-0000-0000-00000000000a') AS view_unchanged;
RESET ROLE;
DROP VIEW auth.identities;
CREATE TABLE auth.identities (provider_id text, user_id uuid, provider text) PARTITION BY LIST (provider);
CREATE TABLE auth.identities_kinde PARTITION OF auth.identities FOR VALUES IN ('custom:kinde');
CREATE INDEX ON auth.identities (user_id);
INSERT INTO auth.identities VALUES ('kp_hook1', 'a0000000-0000-0000-0000-00000000000a', 'custom:kinde');
SET ROLE supabase_auth_admin;
SELECT public.kinde_claims_access_token_hook(pg_temp.event('a0000000-0000-0000-0000-00000000000a'))
       = pg_temp.event('a0000000-0000-0000-0000-00000000000a') AS partitioned_unchanged;
RESET ROLE;
DROP TABLE auth.identities;
ALTER TABLE auth.identities_real RENAME TO identities;
-- After the real table is back, the hook finds the user again.
SET ROLE supabase_auth_admin;
SELECT public.kinde_claims_access_token_hook(pg_temp.event('a0000000-0000-0000-0000-00000000000a')) #> '{claims,plan}' AS back;
RESET ROLE;

-- A long user id in the log is cut on a character boundary, so a client in another encoding
-- still gets the WARNING.
SET client_encoding = 'LATIN1';
SET ROLE supabase_auth_admin;
SELECT public.kinde_claims_access_token_hook(jsonb_build_object('user_id', 'a' || repeat(U&'\00e9', 40), 'claims', '{}'::jsonb)) ? 'claims' AS answered;
RESET ROLE;
RESET client_encoding;

-- No other routine named like it may share the API schema (PostgREST, the overload guard).
\set ON_ERROR_STOP 0
CREATE FUNCTION public.kinde_claims_access_token_hook(event text) RETURNS jsonb LANGUAGE sql AS 'SELECT NULL::jsonb';
\set ON_ERROR_STOP 1

DROP EXTENSION kinde_claims;
DROP SCHEMA auth CASCADE;
REVOKE USAGE ON SCHEMA public FROM supabase_auth_admin;
DROP ROLE supabase_auth_admin;
DROP ROLE anon;
DROP ROLE authenticated;
