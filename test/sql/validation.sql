-- Every write rule, with its SQLSTATE and message: through the functions, and when a superuser
-- writes kinde_claims.profiles directly. Nothing is written when a rule refuses.
CREATE EXTENSION kinde_claims;
\set SHOW_CONTEXT never

\getenv abs_srcdir PG_ABS_SRCDIR
\set try_sql :abs_srcdir '/lib/try.sql'
\i :try_sql
\set setting_sql :abs_srcdir '/lib/setting.sql'
\i :setting_sql

-- The full error report, once for each kind of rule.
SELECT kinde_profile_upsert('user_123');
SELECT kinde_profile_upsert(NULL);
SELECT kinde_profile_upsert('kp_x', claims => '[1, 2]');
SELECT kinde_profile_upsert('kp_x', claims => '{"exp": 1}');
SELECT kinde_profile_upsert('kp_x', claims => '{"lifetime_subscriber": true}');
SELECT kinde_profile_upsert('kp_x', claims => '{"bad name": 1}');

-- User ids: NULL, empty, wrong prefix, bad characters, too long; for every function.
SELECT f, v, pg_temp.try(format('SELECT %s(%L)', f, v)) AS result
FROM unnest(ARRAY['kinde_claims_for', 'kinde_profile_upsert', 'kinde_profile_delete']) f,
     unnest(ARRAY[NULL, '', 'kp_', 'kp', 'KP_abc', 'kp-abc', 'user_abc', 'kp_abc def', 'kp_abc-1',
                  'kp_abc;DROP TABLE x', 'kp_é', 'kp_' || repeat('a', 65)]) v
ORDER BY f, v NULLS FIRST;
-- The longest valid id: 64 characters after the prefix.
SELECT pg_temp.try(format('SELECT kinde_profile_upsert(%L)', 'kp_' || repeat('a', 64))) AS longest_id;

-- Claims: must be an object.
SELECT c, pg_temp.try(format('SELECT kinde_profile_upsert(%L, claims => %L)', 'kp_claims', c)) AS result
FROM unnest(ARRAY['[]', '[{"plan": "pro"}]', '"pro"', '42', 'true', 'null']) c ORDER BY c;

-- Claims: every prohibited name, and lifetime_subscriber.
SELECT n, pg_temp.try(format('SELECT kinde_profile_upsert(%L, claims => %L)', 'kp_claims', jsonb_build_object(n, 1))) AS result
FROM unnest(ARRAY['azp', 'exp', 'iat', 'iss', 'nbf', 'sid', 'sub', 'act', 'aud', 'jti', 'scp',
                  'auth_time', 'updated_at', 'rat', 'lifetime_subscriber']) n ORDER BY n;

-- Claims: names with bad characters or length; good names of every allowed character.
SELECT n, pg_temp.try(format('SELECT kinde_profile_upsert(%L, claims => %L)', 'kp_claims', jsonb_build_object(n, 1))) AS result
FROM unnest(ARRAY['', 'has space', 'semi;colon', 'quote"', 'ünicode', 'tab	x', repeat('n', 129),
                  repeat('n', 128), 'https://example.com/plan', 'a.b:c/d-e_f', 'EXP']) n ORDER BY n;
-- Only top-level names are claim names; nested keys are values.
SELECT pg_temp.try($$SELECT kinde_profile_upsert('kp_claims', claims => '{"org": {"exp": 1, "any key": 2}}')$$) AS nested;

-- Size: at most kinde_claims.max_claims_bytes (default 4096) of JSON text.
SELECT pg_temp.kc_show('kinde_claims.max_claims_bytes') AS max_claims_bytes;
SELECT pg_temp.try(format('SELECT kinde_profile_upsert(%L, claims => %L)', 'kp_size',
       jsonb_build_object('blob', repeat('x', 4096 - 12)))) AS exactly_4096;
SELECT length(jsonb_build_object('blob', repeat('x', 4096 - 12))::text) AS bytes;
SELECT pg_temp.try(format('SELECT kinde_profile_upsert(%L, claims => %L)', 'kp_size',
       jsonb_build_object('blob', repeat('x', 4096 - 11)))) AS one_byte_over;
SELECT pg_temp.kc_set('kinde_claims.max_claims_bytes', '100');
SELECT pg_temp.try(format('SELECT kinde_profile_upsert(%L, claims => %L)', 'kp_size',
       jsonb_build_object('blob', repeat('x', 200)))) AS over_lowered_limit;
SELECT pg_temp.kc_set('kinde_claims.max_claims_bytes', '8kB');
SELECT pg_temp.kc_show('kinde_claims.max_claims_bytes') AS max_claims_bytes;
SELECT pg_temp.try(format('SELECT kinde_profile_upsert(%L, claims => %L)', 'kp_size',
       jsonb_build_object('blob', repeat('x', 6000)))) AS under_raised_limit;
SELECT pg_temp.kc_set('kinde_claims.max_claims_bytes', NULL);
SELECT pg_temp.try($$SELECT pg_temp.kc_set('kinde_claims.max_claims_bytes', '1')$$) AS below_minimum;
SELECT pg_temp.try($$SELECT pg_temp.kc_set('kinde_claims.no_such_setting', '1')$$) AS reserved_prefix;

-- The same rules for direct writes by a superuser.
SELECT pg_temp.try($$INSERT INTO kinde_claims.profiles (kinde_id) VALUES ('not_an_id')$$) AS insert_bad_id;
SELECT pg_temp.try($$INSERT INTO kinde_claims.profiles (kinde_id) VALUES (NULL)$$) AS insert_null_id;
SELECT pg_temp.try($$INSERT INTO kinde_claims.profiles (kinde_id, claims) VALUES ('kp_direct', '[]')$$) AS insert_array;
SELECT pg_temp.try($$INSERT INTO kinde_claims.profiles (kinde_id, claims) VALUES ('kp_direct', '{"sub": "x"}')$$) AS insert_prohibited;
SELECT pg_temp.try($$INSERT INTO kinde_claims.profiles (kinde_id, claims) VALUES ('kp_direct', NULL)$$) AS insert_null_claims;
SELECT pg_temp.try($$INSERT INTO kinde_claims.profiles (kinde_id) VALUES ('kp_direct')$$) AS insert_good;
SELECT pg_temp.try($$INSERT INTO kinde_claims.profiles (kinde_id) VALUES ('kp_direct')$$) AS insert_duplicate;
SELECT pg_temp.try($$UPDATE kinde_claims.profiles SET kinde_id = 'kp_' WHERE kinde_id = 'kp_direct'$$) AS update_bad_id;
SELECT pg_temp.try($$UPDATE kinde_claims.profiles SET claims = '"x"' WHERE kinde_id = 'kp_direct'$$) AS update_scalar;
SELECT pg_temp.try($$UPDATE kinde_claims.profiles SET claims = '{"lifetime_subscriber": false}' WHERE kinde_id = 'kp_direct'$$) AS update_flag_in_claims;
SELECT pg_temp.try($$UPDATE kinde_claims.profiles SET claims = jsonb_build_object('blob', repeat('x', 5000)) WHERE kinde_id = 'kp_direct'$$) AS update_too_large;
SELECT pg_temp.try($$UPDATE kinde_claims.profiles SET claims = '{"plan": "pro"}', lifetime_subscriber = true WHERE kinde_id = 'kp_direct'$$) AS update_good;
-- A multi-row write is all or nothing.
SELECT pg_temp.try($$INSERT INTO kinde_claims.profiles (kinde_id) VALUES ('kp_batch1'), ('kp_batch2'), ('bad'), ('kp_batch3')$$) AS batch;

-- Nothing refused above left a row or a change behind.
SELECT left(kinde_id, 20) AS kinde_id, lifetime_subscriber, left(claims::text, 40) AS claims, length(claims::text) AS claims_bytes
FROM kinde_claims.profiles ORDER BY kinde_id;

DROP EXTENSION kinde_claims;
