-- PostgREST's contract, replayed in SQL (FACTS.md §3): the session is PostgREST's login role
-- "authenticator"; each request is PostgREST's transaction header, its set_config preamble (role
-- switch, request.jwt.claims, ...) and its call statement with the body as a json parameter.
-- The roles are Supabase's, with Supabase's default privileges in force before CREATE EXTENSION.
-- SQLSTATEs are what PostgREST maps to HTTP: 42501 -> 401 (anon) / 403, 25006 -> 405, 42883 -> 404.
\set VERBOSITY sqlstate
SET client_min_messages = warning;

CREATE ROLE anon NOLOGIN NOINHERIT;
ALTER ROLE anon SET statement_timeout = '3s';
CREATE ROLE authenticated NOLOGIN NOINHERIT;
ALTER ROLE authenticated SET statement_timeout = '8s';
CREATE ROLE authenticator LOGIN NOINHERIT;
-- The token workflow's reader role and the backend's writer role.
CREATE ROLE kinde_workflow NOLOGIN NOINHERIT;
CREATE ROLE kinde_writer NOLOGIN NOINHERIT;
GRANT anon, authenticated, kinde_workflow, kinde_writer TO authenticator;
GRANT USAGE ON SCHEMA public TO anon, authenticated, kinde_workflow, kinde_writer;

-- Supabase's default privileges, in force before the extension exists.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated;

-- Control: an ordinary function created in public now is executable by anon.
CREATE FUNCTION public.default_privileges_probe() RETURNS int LANGUAGE sql AS 'SELECT 1';
SELECT has_function_privilege('anon', 'public.default_privileges_probe()', 'EXECUTE') AS anon_executes_probe;
DROP FUNCTION public.default_privileges_probe();

CREATE EXTENSION kinde_claims;

-- The extension's functions (whatever later versions add) and its table: nothing for anon or
-- authenticated.
SELECT r.rolname, count(*) > 0 AS extension_has_functions,
       bool_or(has_function_privilege(r.oid, p.oid, 'EXECUTE')) AS can_execute_any
FROM pg_roles r, pg_proc p
WHERE r.rolname IN ('anon', 'authenticated')
  AND p.oid IN (SELECT objid FROM pg_depend WHERE classid = 'pg_proc'::regclass AND deptype = 'e'
                AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'kinde_claims'))
GROUP BY r.rolname ORDER BY r.rolname;
SELECT r.rolname,
       has_schema_privilege(r.oid, 'kinde_claims', 'USAGE') AS schema_usage,
       has_table_privilege(r.oid, 'kinde_claims.profiles', 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE') AS any_table_privilege
FROM pg_roles r WHERE r.rolname IN ('anon', 'authenticated') ORDER BY 1;

-- The operator's grants (README): the reader gets the lookup, the writer the writes.
GRANT EXECUTE ON FUNCTION kinde_claims_for(text, text) TO kinde_workflow;
GRANT EXECUTE ON FUNCTION kinde_profile_upsert(text, boolean, jsonb), kinde_profile_delete(text) TO kinde_writer;

SELECT kinde_profile_upsert('kp_subscriber1', true, '{"plan": "pro", "seats": 5}');
SELECT kinde_profile_upsert('kp_regular1', false);

-- What PostgREST's schema cache sees: function, volatility, and each parameter with whether a
-- request must name it. The argument keys of a request must be exactly the required ones plus
-- any of the optional ones; anything else is 404 PGRST202 before any SQL runs.
SELECT p.proname, p.provolatile,
       (SELECT string_agg(a.name || CASE WHEN a.pos <= p.pronargs - p.pronargdefaults THEN ' required' ELSE ' optional' END, ', ' ORDER BY a.pos)
        FROM unnest(p.proargnames) WITH ORDINALITY AS a(name, pos)) AS parameters
FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
  AND p.proname IN ('kinde_claims_for', 'kinde_profile_upsert', 'kinde_profile_delete') ORDER BY 1;

-- From here on the session is PostgREST's connection.
SET SESSION AUTHORIZATION authenticator;

-- The preamble: search_path, the role's own ALTER ROLE settings, role, claims, method, path,
-- headers, cookies. One variant per number of role settings (kinde_workflow has none, anon one).
PREPARE pgrst_preamble(text, text, text, text, text, text, text) AS
  select set_config('search_path', $1, true), set_config('role', $2, true),
         set_config('request.jwt.claims', $3, true), set_config('request.method', $4, true),
         set_config('request.path', $5, true), set_config('request.headers', $6, true),
         set_config('request.cookies', $7, true);
PREPARE pgrst_preamble_with_setting(text, text, text, text, text, text, text, text, text) AS
  select set_config('search_path', $1, true), set_config($2, $3, true), set_config('role', $4, true),
         set_config('request.jwt.claims', $5, true), set_config('request.method', $6, true),
         set_config('request.path', $7, true), set_config('request.headers', $8, true),
         set_config('request.cookies', $9, true);

-- GET and POST /rpc/kinde_claims_for (v12 for both; v13 for POST).
PREPARE pgrst_claims_for(json) AS
WITH pgrst_source AS (SELECT pgrst_call.pgrst_scalar FROM (SELECT $1 AS json_data) pgrst_payload, LATERAL (SELECT "user_id" FROM json_to_record(pgrst_payload.json_data) AS _("user_id" text) LIMIT 1) pgrst_body, LATERAL (SELECT "public"."kinde_claims_for"("user_id" := pgrst_body."user_id") pgrst_scalar) pgrst_call) SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT "kinde_claims_for".* FROM "pgrst_source" AS "kinde_claims_for") _postgrest_t;
-- GET /rpc/kinde_claims_for?user_id=... in v13: the argument as its own parameter.
PREPARE pgrst_claims_for_v13(text) AS
WITH pgrst_source AS (SELECT pgrst_call.pgrst_scalar FROM (SELECT "public"."kinde_claims_for"("user_id" := $1::text) pgrst_scalar) pgrst_call) SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT "kinde_claims_for".* FROM "pgrst_source" AS "kinde_claims_for") _postgrest_t;
-- POST /rpc/kinde_profile_upsert with {"kinde_id", "lifetime_subscriber", "claims"}.
PREPARE pgrst_upsert(json) AS
WITH pgrst_source AS (SELECT pgrst_call.pgrst_scalar FROM (SELECT $1 AS json_data) pgrst_payload, LATERAL (SELECT "kinde_id", "lifetime_subscriber", "claims" FROM json_to_record(pgrst_payload.json_data) AS _("kinde_id" text, "lifetime_subscriber" boolean, "claims" jsonb) LIMIT 1) pgrst_body, LATERAL (SELECT "public"."kinde_profile_upsert"("kinde_id" := pgrst_body."kinde_id", "lifetime_subscriber" := pgrst_body."lifetime_subscriber", "claims" := pgrst_body."claims") pgrst_scalar) pgrst_call) SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT "kinde_profile_upsert".* FROM "pgrst_source" AS "kinde_profile_upsert") _postgrest_t;

-- The reader, GET (READ ONLY): a subscriber's claims, then an unknown user's defaults.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_preamble('"public", "public"', 'kinde_workflow', '{"role":"kinde_workflow"}', 'GET',
  '/rpc/kinde_claims_for', '{"apikey":"sb_anon","authorization":"Bearer ..."}', '{}') \gset preamble_
SELECT current_user, current_setting('transaction_read_only') AS read_only;
EXECUTE pgrst_claims_for('{"user_id":"kp_subscriber1"}');
EXECUTE pgrst_claims_for('{"user_id":"kp_nobody"}');
EXECUTE pgrst_claims_for_v13('kp_subscriber1');
COMMIT;

-- The reader, POST to the STABLE lookup: PostgREST uses READ ONLY here too.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_preamble('"public", "public"', 'kinde_workflow', '{"role":"kinde_workflow"}', 'POST',
  '/rpc/kinde_claims_for', '{"content-type":"application/json"}', '{}') \gset preamble_
EXECUTE pgrst_claims_for('{"user_id":"kp_regular1"}');
COMMIT;

-- The reader cannot write (POST to the VOLATILE upsert is READ WRITE): 42501, HTTP 403.
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_preamble('"public", "public"', 'kinde_workflow', '{"role":"kinde_workflow"}', 'POST',
  '/rpc/kinde_profile_upsert', '{}', '{}') \gset preamble_
EXECUTE pgrst_upsert('{"kinde_id":"kp_regular1","lifetime_subscriber":true,"claims":null}');
ROLLBACK;

-- The reader cannot read the table either.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_preamble('"public", "public"', 'kinde_workflow', '{"role":"kinde_workflow"}', 'GET',
  '/profiles', '{}', '{}') \gset preamble_
SELECT count(*) FROM kinde_claims.profiles;
ROLLBACK;

-- The writer, POST (READ WRITE): the upsert returns what the token will carry.
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_preamble('"public", "public"', 'kinde_writer', '{"role":"kinde_writer"}', 'POST',
  '/rpc/kinde_profile_upsert', '{}', '{}') \gset preamble_
EXECUTE pgrst_upsert('{"kinde_id":"kp_regular1","lifetime_subscriber":true,"claims":{"plan":"team"}}');
COMMIT;

-- The same upsert through GET (READ ONLY): 25006, HTTP 405, and nothing changes.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_preamble('"public", "public"', 'kinde_writer', '{"role":"kinde_writer"}', 'GET',
  '/rpc/kinde_profile_upsert', '{}', '{}') \gset preamble_
EXECUTE pgrst_upsert('{"kinde_id":"kp_regular1","lifetime_subscriber":false,"claims":{}}');
ROLLBACK;

-- Invalid input through the API: 22023, HTTP 400, and the transaction is rolled back.
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_preamble('"public", "public"', 'kinde_writer', '{"role":"kinde_writer"}', 'POST',
  '/rpc/kinde_profile_upsert', '{}', '{}') \gset preamble_
EXECUTE pgrst_upsert('{"kinde_id":"kp_regular1","lifetime_subscriber":null,"claims":{"exp":1}}');
ROLLBACK;

-- The writer's change is what the reader now sees.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_preamble('"public", "public"', 'kinde_workflow', '{"role":"kinde_workflow"}', 'GET',
  '/rpc/kinde_claims_for', '{}', '{}') \gset preamble_
EXECUTE pgrst_claims_for('{"user_id":"kp_regular1"}');
COMMIT;

-- Argument keys PostgREST would never resolve fail in Postgres too: a missing required
-- argument and an extra one are both "no such function", 42883 (HTTP 404).
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_preamble('"public", "public"', 'kinde_workflow', '{"role":"kinde_workflow"}', 'GET',
  '/rpc/kinde_claims_for', '{}', '{}') \gset preamble_
SELECT "public"."kinde_claims_for"();
ROLLBACK;
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_preamble('"public", "public"', 'kinde_workflow', '{"role":"kinde_workflow"}', 'GET',
  '/rpc/kinde_claims_for', '{}', '{}') \gset preamble_
SELECT "public"."kinde_claims_for"("user_id" := 'kp_regular1', "extra" := 'x');
ROLLBACK;

-- anon (no JWT), with its own statement_timeout from the preamble: the lookup is 42501, which
-- PostgREST answers 401 with WWW-Authenticate: Bearer.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_preamble_with_setting('"public", "public"', 'statement_timeout', '3s', 'anon', '{"role":"anon"}',
  'GET', '/rpc/kinde_claims_for', '{"apikey":"sb_anon"}', '{}') \gset preamble_
SELECT current_user, current_setting('statement_timeout') AS statement_timeout;
EXECUTE pgrst_claims_for('{"user_id":"kp_subscriber1"}');
ROLLBACK;

-- anon cannot upsert itself into a lifetime subscription.
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_preamble_with_setting('"public", "public"', 'statement_timeout', '3s', 'anon', '{"role":"anon"}',
  'POST', '/rpc/kinde_profile_upsert', '{}', '{}') \gset preamble_
EXECUTE pgrst_upsert('{"kinde_id":"kp_regular1","lifetime_subscriber":true,"claims":null}');
ROLLBACK;
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_preamble_with_setting('"public", "public"', 'statement_timeout', '3s', 'anon', '{"role":"anon"}',
  'POST', '/rpc/kinde_profile_delete', '{}', '{}') \gset preamble_
SELECT "public"."kinde_profile_delete"("kinde_id" := 'kp_subscriber1');
ROLLBACK;

-- anon through table endpoints, were the private schema ever exposed (db-schemas = kinde_claims):
-- GET /profiles, POST /profiles, PATCH /profiles?kinde_id=eq.kp_regular1. All 42501.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_preamble_with_setting('"kinde_claims", "public"', 'statement_timeout', '3s', 'anon', '{"role":"anon"}',
  'GET', '/profiles', '{"accept-profile":"kinde_claims"}', '{}') \gset preamble_
WITH pgrst_source AS (SELECT "kinde_claims"."profiles".* FROM "kinde_claims"."profiles") SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t), '[]') AS body FROM (SELECT * FROM pgrst_source) _postgrest_t;
ROLLBACK;
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_preamble_with_setting('"kinde_claims", "public"', 'statement_timeout', '3s', 'anon', '{"role":"anon"}',
  'POST', '/profiles', '{"content-profile":"kinde_claims"}', '{}') \gset preamble_
INSERT INTO "kinde_claims"."profiles"("kinde_id", "lifetime_subscriber") SELECT pgrst_body."kinde_id", pgrst_body."lifetime_subscriber" FROM (SELECT '{"kinde_id":"kp_intruder1","lifetime_subscriber":true}'::json AS json_data) pgrst_payload, LATERAL (SELECT "kinde_id", "lifetime_subscriber" FROM json_to_record(pgrst_payload.json_data) AS _("kinde_id" text, "lifetime_subscriber" boolean)) pgrst_body RETURNING 1;
ROLLBACK;
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_preamble_with_setting('"kinde_claims", "public"', 'statement_timeout', '3s', 'anon', '{"role":"anon"}',
  'PATCH', '/profiles', '{"content-profile":"kinde_claims"}', '{}') \gset preamble_
UPDATE "kinde_claims"."profiles" SET "lifetime_subscriber" = pgrst_body."lifetime_subscriber" FROM (SELECT '{"lifetime_subscriber":true}'::json AS json_data) pgrst_payload, LATERAL (SELECT "lifetime_subscriber" FROM json_to_record(pgrst_payload.json_data) AS _("lifetime_subscriber" boolean)) pgrst_body WHERE "kinde_claims"."profiles"."kinde_id" = 'kp_regular1' RETURNING 1;
ROLLBACK;

-- authenticated (a signed-in user's JWT): the same refusals, 42501, HTTP 403.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_preamble_with_setting('"public", "public"', 'statement_timeout', '8s', 'authenticated',
  '{"role":"authenticated","sub":"kp_regular1"}', 'GET', '/rpc/kinde_claims_for', '{}', '{}') \gset preamble_
EXECUTE pgrst_claims_for('{"user_id":"kp_regular1"}');
ROLLBACK;
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_preamble_with_setting('"public", "public"', 'statement_timeout', '8s', 'authenticated',
  '{"role":"authenticated","sub":"kp_regular1"}', 'POST', '/rpc/kinde_profile_upsert', '{}', '{}') \gset preamble_
EXECUTE pgrst_upsert('{"kinde_id":"kp_regular1","lifetime_subscriber":true,"claims":null}');
ROLLBACK;

-- Every other RPC endpoint, as anon and as authenticated (POST, READ WRITE): 42501 each.
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_preamble_with_setting('"public", "public"', 'statement_timeout', '3s', 'anon', '{"role":"anon"}',
  'POST', '/rpc/kinde_profile_delete', '{}', '{}') \gset preamble_
SELECT "public"."kinde_profile_delete"("kinde_id" := 'kp_subscriber1');
ROLLBACK;
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_preamble_with_setting('"public", "public"', 'statement_timeout', '3s', 'anon', '{"role":"anon"}',
  'POST', '/rpc/kinde_webhook_apply', '{}', '{}') \gset preamble_
SELECT "public"."kinde_webhook_apply"("event" := '{"type":"user.deleted","event_id":"event_x1","timestamp":"2024-05-01T00:00:00Z","data":{"user":{"id":"kp_subscriber1"}}}'::jsonb);
ROLLBACK;
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_preamble_with_setting('"public", "public"', 'statement_timeout', '3s', 'anon', '{"role":"anon"}',
  'POST', '/rpc/kinde_webhook_prune', '{}', '{}') \gset preamble_
SELECT "public"."kinde_webhook_prune"("older_than" := '7 days'::interval);
ROLLBACK;
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_preamble_with_setting('"public", "public"', 'statement_timeout', '3s', 'anon', '{"role":"anon"}',
  'POST', '/rpc/kinde_claims_import', '{}', '{}') \gset preamble_
SELECT "public"."kinde_claims_import"("source" := 'kinde_claims.profiles'::regclass);
ROLLBACK;
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_preamble_with_setting('"public", "public"', 'statement_timeout', '8s', 'authenticated', '{"role":"authenticated","sub":"kp_regular1"}',
  'POST', '/rpc/kinde_profile_delete', '{}', '{}') \gset preamble_
SELECT "public"."kinde_profile_delete"("kinde_id" := 'kp_subscriber1');
ROLLBACK;
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_preamble_with_setting('"public", "public"', 'statement_timeout', '8s', 'authenticated', '{"role":"authenticated","sub":"kp_regular1"}',
  'POST', '/rpc/kinde_webhook_apply', '{}', '{}') \gset preamble_
SELECT "public"."kinde_webhook_apply"("event" := '{"type":"user.deleted","event_id":"event_x1","timestamp":"2024-05-01T00:00:00Z","data":{"user":{"id":"kp_subscriber1"}}}'::jsonb);
ROLLBACK;
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_preamble_with_setting('"public", "public"', 'statement_timeout', '8s', 'authenticated', '{"role":"authenticated","sub":"kp_regular1"}',
  'POST', '/rpc/kinde_webhook_prune', '{}', '{}') \gset preamble_
SELECT "public"."kinde_webhook_prune"("older_than" := '7 days'::interval);
ROLLBACK;
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_preamble_with_setting('"public", "public"', 'statement_timeout', '8s', 'authenticated', '{"role":"authenticated","sub":"kp_regular1"}',
  'POST', '/rpc/kinde_claims_import', '{}', '{}') \gset preamble_
SELECT "public"."kinde_claims_import"("source" := 'kinde_claims.profiles'::regclass);
ROLLBACK;

-- The login role cannot switch to a role it was not granted (a forged role claim): 42501.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_preamble('"public", "public"', 'postgres', '{"role":"postgres"}', 'GET',
  '/rpc/kinde_claims_for', '{}', '{}') \gset preamble_
ROLLBACK;

-- Defence in depth: even if an operator granted anon the private schema and the whole table,
-- row-level security with no policies shows and changes nothing.
RESET SESSION AUTHORIZATION;
GRANT USAGE ON SCHEMA kinde_claims TO anon;
GRANT ALL ON kinde_claims.profiles TO anon;
SET SESSION AUTHORIZATION authenticator;
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_preamble_with_setting('"kinde_claims", "public"', 'statement_timeout', '3s', 'anon', '{"role":"anon"}',
  'GET', '/profiles', '{"accept-profile":"kinde_claims"}', '{}') \gset preamble_
SELECT count(*) AS visible_profiles FROM kinde_claims.profiles;
WITH changed AS (UPDATE kinde_claims.profiles SET lifetime_subscriber = true RETURNING 1) SELECT count(*) AS updated FROM changed;
WITH removed AS (DELETE FROM kinde_claims.profiles RETURNING 1) SELECT count(*) AS deleted FROM removed;
INSERT INTO kinde_claims.profiles (kinde_id, lifetime_subscriber) VALUES ('kp_intruder1', true);
ROLLBACK;

-- Nothing anon or authenticated tried changed any profile.
RESET SESSION AUTHORIZATION;
SELECT kinde_id, lifetime_subscriber, claims FROM kinde_claims.profiles ORDER BY kinde_id;

DEALLOCATE ALL;
DROP EXTENSION kinde_claims;
DROP OWNED BY anon, authenticated, authenticator, kinde_workflow, kinde_writer;
DROP ROLE anon, authenticated, authenticator, kinde_workflow, kinde_writer;
