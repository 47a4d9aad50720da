-- kinde_claims_for as PostgREST v12 runs it for the Kinde workflow's GET (FACTS.md §3, the
-- statement test/postgrest/server.mjs builds): the arguments travel as one json parameter, $1,
-- here read first by a statement of its own, which pg_stat_statements times apart.
\set i random(1, :events)
SELECT json_build_object('user_id', k) AS body FROM bench_events WHERE i = :i \gset
WITH pgrst_source AS (SELECT pgrst_call.pgrst_scalar FROM (SELECT :body::json AS json_data) pgrst_payload, LATERAL (SELECT "user_id" FROM json_to_record(pgrst_payload.json_data) AS _("user_id" text) LIMIT 1) pgrst_body, LATERAL (SELECT "public"."kinde_claims_for"("user_id" := pgrst_body."user_id") pgrst_scalar) pgrst_call) SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT "kinde_claims_for".* FROM "pgrst_source" AS "kinde_claims_for") _postgrest_t;
