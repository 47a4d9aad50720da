-- search_path attacks against the SECURITY DEFINER functions. A role that may create objects in
-- a schema on a caller's search_path plants functions, operators and views that shadow the
-- builtins an implementation might use; each trap records that it ran and as whom. The traps
-- are shown to work, then every entry point and every trigger path runs with the hostile
-- search_path, as the attacker and as a superuser: no trap may run.
CREATE ROLE regress_kc_search_path_attacker;
SELECT format('GRANT CREATE ON DATABASE %I TO regress_kc_search_path_attacker', current_database()) \gexec

-- Objects planted before the install are refused, never adopted.
SET ROLE regress_kc_search_path_attacker;
CREATE SCHEMA kinde_claims;
RESET ROLE;
CREATE EXTENSION kinde_claims;
DROP SCHEMA kinde_claims;
GRANT CREATE ON SCHEMA public TO regress_kc_search_path_attacker;
SET ROLE regress_kc_search_path_attacker;
CREATE FUNCTION public.kinde_claims_for(user_id text, org_code text DEFAULT NULL) RETURNS jsonb
    LANGUAGE sql AS $$SELECT '{"lifetime_subscriber": true}'::jsonb$$;
RESET ROLE;
CREATE EXTENSION kinde_claims;
DROP FUNCTION public.kinde_claims_for(text, text);

CREATE EXTENSION kinde_claims;
GRANT EXECUTE ON FUNCTION kinde_claims_for(text, text), kinde_profile_upsert(text, boolean, jsonb),
    kinde_profile_delete(text), kinde_webhook_apply(jsonb), kinde_claims_access_token_hook(jsonb)
    TO regress_kc_search_path_attacker;
-- A Kinde webhook event as the shim forwards it (its verified payload).
CREATE FUNCTION public.spa_event(type text, event_id text, kinde_id text) RETURNS jsonb
    LANGUAGE sql SET search_path = pg_catalog AS $$
    SELECT jsonb_build_object('type', type, 'event_id', event_id, 'timestamp', '2024-05-01T10:00:00Z',
                              'source', 'admin', 'data', jsonb_build_object('user', jsonb_build_object('id', kinde_id)))
$$;
SELECT kinde_profile_upsert('kp_victim', true, '{"plan": "pro"}');

-- The SECURITY DEFINER functions without a SET clause, which must resolve what they name
-- themselves: exactly those attacked below (C in the C++ edition, PL/pgSQL in the SQL edition).
-- Which of the others pin search_path and which have a SQL-standard body, bound when created,
-- differs between the editions: edition_catalog lists them.
SELECT p.oid::regprocedure AS security_definer_without_set_clause
FROM pg_depend d
JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'kinde_claims')
  AND p.prosecdef AND p.proconfig IS NULL AND p.prosqlbody IS NULL
ORDER BY p.oid::regprocedure::text;

-- The traps. COALESCE is grammar, not a function lookup, so it needs none.
SET ROLE regress_kc_search_path_attacker;
CREATE TABLE public.attack_log (trap text, ran_as name);
GRANT SELECT, INSERT, DELETE ON public.attack_log TO PUBLIC;
CREATE FUNCTION public.attack_record(trap text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.attack_log VALUES (trap, current_user);
    RAISE NOTICE 'trap "%" ran as %', trap, current_user;
END
$$;
CREATE FUNCTION public.texteq(a text, b text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM public.attack_record('text = text'); RETURN pg_catalog.texteq(a, b); END $$;
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.texteq);
CREATE FUNCTION public.jsonb_eq(a jsonb, b jsonb) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM public.attack_record('jsonb = jsonb'); RETURN pg_catalog.jsonb_eq(a, b); END $$;
CREATE OPERATOR public.= (LEFTARG = jsonb, RIGHTARG = jsonb, FUNCTION = public.jsonb_eq);
CREATE FUNCTION public.jsonb_concat(a jsonb, b jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN PERFORM public.attack_record('jsonb || jsonb'); RETURN pg_catalog.jsonb_concat(a, b); END $$;
CREATE OPERATOR public.|| (LEFTARG = jsonb, RIGHTARG = jsonb, FUNCTION = public.jsonb_concat);
CREATE FUNCTION public.int8eq(a bigint, b bigint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM public.attack_record('bigint = bigint'); RETURN pg_catalog.int8eq(a, b); END $$;
CREATE OPERATOR public.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = public.int8eq);
CREATE FUNCTION public.booleq(a boolean, b boolean) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM public.attack_record('boolean = boolean'); RETURN pg_catalog.booleq(a, b); END $$;
CREATE OPERATOR public.= (LEFTARG = boolean, RIGHTARG = boolean, FUNCTION = public.booleq);
CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE plpgsql AS $$
BEGIN PERFORM public.attack_record('now()'); RETURN pg_catalog.now(); END $$;
CREATE FUNCTION public.pg_notify(channel text, payload text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN PERFORM public.attack_record('pg_notify()'); PERFORM pg_catalog.pg_notify(channel, payload); END $$;
CREATE FUNCTION public.current_setting(name text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM public.attack_record('current_setting()'); RETURN pg_catalog.current_setting(name); END $$;
CREATE FUNCTION public.length(value text) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN PERFORM public.attack_record('length()'); RETURN pg_catalog.length(value); END $$;
CREATE FUNCTION public.jsonb_typeof(value jsonb) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM public.attack_record('jsonb_typeof()'); RETURN pg_catalog.jsonb_typeof(value); END $$;
CREATE FUNCTION public.profile_rows() RETURNS TABLE (id bigint, kinde_id text, lifetime_subscriber boolean, claims jsonb)
    LANGUAGE plpgsql AS $$
BEGIN PERFORM public.attack_record('profiles view'); RETURN QUERY SELECT 1::bigint, 'kp_victim', true, '{}'::jsonb; END $$;
CREATE VIEW public.profiles AS SELECT * FROM public.profile_rows();
-- An overload next to the API function, for callers that do not say the argument's type: refused
-- for every role since 0.4.0 (PostgREST would answer 300 PGRST203; test/sql/api_overloads.sql).
\set SHOW_CONTEXT never
CREATE FUNCTION public.kinde_claims_for(user_id varchar) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN PERFORM public.attack_record('kinde_claims_for(varchar)'); RETURN '{"lifetime_subscriber": true}'; END $$;
\set SHOW_CONTEXT errors

-- Each trap works: the attacker's own statements under the hostile search_path run them.
SET search_path = public, pg_catalog;
CREATE TEMP VIEW profiles AS SELECT * FROM public.profile_rows();
SELECT 'a'::text = 'a'::text AS text_eq, '{}'::jsonb = '{}'::jsonb AS jsonb_eq, '{}'::jsonb || '{}'::jsonb AS concat,
       1::bigint = 1::bigint AS int8_eq, true = true AS bool_eq,
       now() IS NOT NULL AS now, current_setting('search_path') AS setting, length('abc') AS length,
       jsonb_typeof('{}') AS typeof;
SELECT public.pg_notify('kinde_claims_changed', 'x');
SELECT count(*) FROM profiles;
-- With no overload, a caller that passes varchar reaches the extension's function too.
SELECT kinde_claims_for('kp_victim'::varchar);
RESET search_path;
SELECT trap, ran_as, count(*) FROM public.attack_log GROUP BY trap, ran_as ORDER BY trap;
DELETE FROM public.attack_log;
RESET ROLE;

-- The attack, as the attacker, from a new session (no plan or catalog cached yet).
\c
SET ROLE regress_kc_search_path_attacker;
SET search_path = public, pg_catalog;
CREATE TEMP VIEW profiles AS SELECT * FROM public.profile_rows();
SELECT kinde_claims_for('kp_victim');
SELECT kinde_claims_for('kp_nobody');
SELECT kinde_profile_upsert('kp_attacked', true, '{"plan": "team"}');
SELECT kinde_profile_upsert('kp_attacked', NULL, '{"plan": "free", "seats": 2}');
SELECT kinde_profile_upsert('kp_attacked', false);
SELECT kinde_profile_upsert('kp_attacked', false);
SELECT kinde_claims_for('kp_attacked');
SELECT kinde_profile_delete('kp_attacked');
SELECT kinde_profile_delete('kp_attacked');
SELECT kinde_claims_for(user_id := 'kp_victim'::text);
SELECT kinde_webhook_apply(public.spa_event('user.created', 'event_spa1', 'kp_hooked'));
SELECT kinde_webhook_apply(public.spa_event('user.created', 'event_spa1', 'kp_hooked'));
SELECT kinde_webhook_apply(public.spa_event('user.deleted', 'event_spa2', 'kp_hooked'));
-- Supabase's hook finds nothing here (no auth schema) and says so; it runs no trap either.
SELECT kinde_claims_access_token_hook('{"user_id": "00000000-0000-0000-0000-000000000001", "claims": {"role": "x"}}');
-- pg_temp listed first changes nothing: Postgres never looks there for functions or operators.
SET search_path = pg_temp, public, pg_catalog;
SELECT kinde_claims_for('kp_victim');
SELECT kinde_profile_upsert('kp_attacked', true, '{"plan": "team"}');
SELECT kinde_profile_delete('kp_attacked');
RESET search_path;
RESET ROLE;
SELECT count(*) AS traps_run_by_the_attackers_calls FROM public.attack_log;

-- The same search_path in a superuser's session, through the API and through direct writes
-- that fire the row triggers (validation, updated_at, NOTIFY).
\c
SET search_path = public, pg_catalog;
SELECT kinde_claims_for('kp_victim');
SELECT kinde_profile_upsert('kp_admin', true, '{"plan": "team"}');
SELECT kinde_profile_upsert('kp_admin', NULL, '{"plan": "free"}');
INSERT INTO kinde_claims.profiles (kinde_id, lifetime_subscriber, claims) VALUES ('kp_direct', true, '{"seats": 3}');
UPDATE kinde_claims.profiles SET claims = '{"seats": 4}', lifetime_subscriber = false WHERE kinde_id OPERATOR(pg_catalog.=) 'kp_direct';
UPDATE kinde_claims.profiles SET kinde_id = 'kp_direct2' WHERE kinde_id OPERATOR(pg_catalog.=) 'kp_direct';
DELETE FROM kinde_claims.profiles WHERE kinde_id OPERATOR(pg_catalog.=) 'kp_direct2';
SELECT kinde_profile_delete('kp_admin');
-- The app's own table with kinde_profile_upsert_trigger, the importer and the webhook pruning.
CREATE TABLE public.purchases (kinde_user_id text PRIMARY KEY, lifetime boolean, plan_code text);
CREATE TRIGGER purchases_claims AFTER INSERT OR UPDATE OR DELETE ON public.purchases
    FOR EACH ROW EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id', 'lifetime_subscriber=lifetime', 'plan=plan_code');
INSERT INTO public.purchases VALUES ('kp_buyer', true, 'pro');
SELECT kinde_claims_for('kp_buyer');
UPDATE public.purchases SET plan_code = 'team';
SELECT kinde_claims_for('kp_buyer');
DELETE FROM public.purchases;
SELECT kinde_claims_for('kp_buyer');
CREATE TABLE public.tutorial_profiles (kinde_id text, lifetime_subscriber boolean);
INSERT INTO public.tutorial_profiles VALUES ('kp_imported', false), ('kp_imported', true), ('bad', true);
SELECT kinde_claims_import('public.tutorial_profiles');
SELECT kinde_claims_for('kp_imported');
SELECT kinde_webhook_prune();
RESET search_path;
SELECT count(*) AS traps_run_by_the_superusers_calls FROM public.attack_log;
SELECT kinde_claims_for('kp_victim');

DROP TABLE public.purchases, public.tutorial_profiles;
DROP FUNCTION public.spa_event(text, text, text);
DROP EXTENSION kinde_claims;
DROP OWNED BY regress_kc_search_path_attacker;
REVOKE CREATE ON SCHEMA public FROM regress_kc_search_path_attacker;
DROP ROLE regress_kc_search_path_attacker;
