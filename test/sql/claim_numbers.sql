-- Numbers a token would change are refused on every write path (FACTS.md §7): Kinde's runtime
-- reads a JSON number into the nearest double, so a claim holds only numbers whose double's
-- shortest decimal form has the same value. Numbers that survive are stored as given.
CREATE EXTENSION kinde_claims;
\set SHOW_CONTEXT never

\getenv abs_srcdir PG_ABS_SRCDIR
\set try_sql :abs_srcdir '/lib/try.sql'
\i :try_sql
\set setting_sql :abs_srcdir '/lib/setting.sql'
\i :setting_sql

-- The full error report once.
SELECT kinde_profile_upsert('kp_n', claims => '{"org_id": 750727362669608961}');

-- Numbers that survive, as the only claim (each upsert replaces the claims object).
SELECT n, pg_temp.try(format('SELECT kinde_profile_upsert(%L, claims => %L)', 'kp_ok' || i, format('{"n": %s}', n))) AS result
FROM unnest(ARRAY['0', '-0', '0.1', '9.90', '9007199254740992', '-9007199254740992', '1e308', '-1e308',
                  '5e-324', '1.7976931348623157e308', '2.2250738585072014e-308', '1e23', '0.30000000000000004',
                  '123456789012345680000', '1e-7', '42']) WITH ORDINALITY AS t(n, i)
ORDER BY i;
-- Served as stored (numeric keeps 9.90's digits; a token gets the same value).
SELECT kinde_id, kinde_claims_for(kinde_id) -> 'n' AS served FROM kinde_claims.profiles
WHERE kinde_id LIKE 'kp\_ok%' ORDER BY substr(kinde_id, 6)::int;
DELETE FROM kinde_claims.profiles WHERE kinde_id LIKE 'kp\_ok%';

-- Numbers a double changes: refused with 22023, naming the claim and what the token would get.
SELECT n, pg_temp.try(format('SELECT kinde_profile_upsert(%L, claims => %L)', 'kp_bad', format('{"n": %s}', n))) AS result
FROM unnest(ARRAY['750727362669608961', '9007199254740993', '-9007199254740993', '1e-400', '1e309', '-1e309',
                  '2e-324', '1.7976931348623159e308', '0.1000000000000000000001', '123456789012345678901234567890',
                  '1e1000', '1e-1000', '9.999999999999999e22', '9.999999999999998e22', '123456789012345678']) WITH ORDINALITY AS t(n, i)
ORDER BY i;
SELECT count(*) AS bad_profiles FROM kinde_claims.profiles WHERE kinde_id = 'kp_bad';

-- At any depth, named by its path.
SELECT c, pg_temp.try(format('SELECT kinde_profile_upsert(%L, claims => %L)', 'kp_deep', c)) AS result
FROM unnest(ARRAY['{"limits": {"seats": 9007199254740993}}',
                  '{"ids": [1, 2, 750727362669608961]}',
                  '{"orgs": [{"id": "x"}, {"id": 1e400}]}',
                  '{"m": [[0], [1, [2, [3, 1e-999]]]]}',
                  '{"a": {"b c": {"d": [true, null, "s", 9007199254740993]}}}',
                  '{"ok": {"x": [1, 2.5, -0, 1e308], "y": "750727362669608961"}}']) WITH ORDINALITY AS t(c, i)
ORDER BY i;

-- The advice works: the same id as a string is stored and served digit for digit.
SELECT kinde_profile_upsert('kp_string', claims => '{"org_id": "750727362669608961"}');

-- Hostile input: huge exponents never reach the check (jsonb refuses them), deep nesting and
-- many numbers are walked without trouble, and NaN / Infinity are not JSON.
SELECT pg_temp.try($$SELECT kinde_profile_upsert('kp_h', claims => '{"n": 1e999999999}')$$) AS huge_exponent;
SELECT pg_temp.try($$SELECT kinde_profile_upsert('kp_h', claims => '{"n": 1e-999999999}')$$) AS tiny_exponent;
SELECT pg_temp.try($$SELECT kinde_profile_upsert('kp_h', claims => '{"n": NaN}')$$) AS nan;
SELECT pg_temp.try($$SELECT kinde_profile_upsert('kp_h', claims => '{"n": Infinity}')$$) AS infinity;
SELECT pg_temp.try(format('SELECT kinde_profile_upsert(%L, claims => %L)', 'kp_h',
       '{"n": ' || repeat('[', 1000) || '9007199254740993' || repeat(']', 1000) || '}')) AS deep_nesting_bad;
SELECT pg_temp.try(format('SELECT kinde_profile_upsert(%L, claims => %L)', 'kp_h',
       '{"n": ' || repeat('[', 1000) || '9007199254740992' || repeat(']', 1000) || '}')) AS deep_nesting_ok;
SELECT pg_temp.try(format('SELECT kinde_profile_upsert(%L, claims => %L)', 'kp_h',
       (SELECT jsonb_build_object('n', jsonb_agg(i)) FROM generate_series(1, 400) i) || '{"z": 0.1e-400}')) AS many_numbers;
SELECT pg_temp.try(format('SELECT kinde_profile_upsert(%L, claims => %L)', 'kp_h',
       '{"n": 0.' || repeat('0', 300) || '1}')) AS long_fraction;
SELECT pg_temp.try(format('SELECT kinde_profile_upsert(%L, claims => %L)', 'kp_h',
       '{"n": 1' || repeat('0', 308) || '}')) AS long_integer_1e308;
SELECT pg_temp.try(format('SELECT kinde_profile_upsert(%L, claims => %L)', 'kp_h',
       '{"n": 1' || repeat('0', 307) || '1}')) AS long_integer_1e308_plus_1;

-- Direct writes: INSERT and UPDATE, one row or many (all or nothing).
SELECT pg_temp.try($$INSERT INTO kinde_claims.profiles (kinde_id, claims) VALUES ('kp_direct', '{"n": 9007199254740993}')$$) AS insert_bad;
SELECT pg_temp.try($$INSERT INTO kinde_claims.profiles (kinde_id, claims) VALUES ('kp_direct', '{"n": 9007199254740992}'), ('kp_direct2', '{"x": [1e-400]}')$$) AS insert_batch;
SELECT pg_temp.try($$INSERT INTO kinde_claims.profiles (kinde_id, claims) VALUES ('kp_direct', '{"n": 9007199254740992, "plan": "pro"}')$$) AS insert_good;
SELECT pg_temp.try($$UPDATE kinde_claims.profiles SET claims = claims || '{"m": 750727362669608961}' WHERE kinde_id = 'kp_direct'$$) AS update_bad;
SELECT pg_temp.try($$UPDATE kinde_claims.profiles SET claims = jsonb_set(claims, '{n}', '9007199254740993') WHERE kinde_id = 'kp_direct'$$) AS update_changes_good_to_bad;

-- A profile stored before the rule (written here with the row trigger off) is still served,
-- and writes that keep its number as it is still work; a write that brings a new one does not.
ALTER TABLE kinde_claims.profiles DISABLE TRIGGER profiles_before_write;
INSERT INTO kinde_claims.profiles (kinde_id, claims) VALUES ('kp_old', '{"org_id": 750727362669608961, "plan": "pro"}');
ALTER TABLE kinde_claims.profiles ENABLE TRIGGER profiles_before_write;
SELECT kinde_claims_for('kp_old');
SELECT kinde_claims.claims_problems(claims) FROM kinde_claims.profiles WHERE kinde_id = 'kp_old';
SELECT pg_temp.try($$UPDATE kinde_claims.profiles SET lifetime_subscriber = true WHERE kinde_id = 'kp_old'$$) AS keep_all;
SELECT pg_temp.try($$UPDATE kinde_claims.profiles SET claims = claims || '{"plan": "team"}' WHERE kinde_id = 'kp_old'$$) AS change_other_claim;
SELECT pg_temp.try($$UPDATE kinde_claims.profiles SET claims = claims || '{"org_id": 750727362669608962}' WHERE kinde_id = 'kp_old'$$) AS change_the_number;
SELECT pg_temp.try($$SELECT kinde_profile_upsert('kp_old', claims => '{"org_id": 750727362669608961, "plan": "team"}')$$) AS upsert_resends_it;
SELECT pg_temp.try($$SELECT kinde_profile_upsert('kp_old', false)$$) AS upsert_keeps_claims;
SELECT kinde_claims_for('kp_old');
SELECT kinde_claims.claims_problems('{"a": 1, "b": "x"}') AS none, kinde_claims.claims_problems('[1e400]') AS not_object;

-- kinde_profile_upsert_trigger on an app table: bigint, numeric and jsonb columns become JSON numbers.
CREATE TABLE public.accounts (
    kinde_user_id text,
    org_id bigint,
    balance numeric,
    seats integer,
    settings jsonb,
    note text
);
CREATE TRIGGER accounts_claims AFTER INSERT OR UPDATE OR DELETE ON public.accounts FOR EACH ROW
    EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id', 'org_id', 'balance', 'seats', 'settings');
SELECT pg_temp.try($$INSERT INTO public.accounts VALUES ('kp_app', 9007199254740992, 9.90, 2147483647, '{"x": [0.1]}')$$) AS fits;
SELECT kinde_claims_for('kp_app');
SELECT pg_temp.try($$INSERT INTO public.accounts VALUES ('kp_app2', 750727362669608961, NULL, NULL, NULL)$$) AS bigint_too_precise;
SELECT pg_temp.try($$INSERT INTO public.accounts VALUES ('kp_app2', NULL, 12345678901234567.89, NULL, NULL)$$) AS numeric_too_precise;
SELECT pg_temp.try($$INSERT INTO public.accounts VALUES ('kp_app2', NULL, 1e-400, NULL, NULL)$$) AS numeric_too_small;
SELECT pg_temp.try($$INSERT INTO public.accounts VALUES ('kp_app2', NULL, NULL, NULL, '{"ids": [9007199254740993]}')$$) AS jsonb_too_precise;
SELECT pg_temp.try($$UPDATE public.accounts SET org_id = 9007199254740993 WHERE kinde_user_id = 'kp_app'$$) AS update_bigint;
SELECT count(*) AS app2_profiles FROM kinde_claims.profiles WHERE kinde_id = 'kp_app2';
-- The full report names the trigger, the table and the column.
INSERT INTO public.accounts VALUES ('kp_app2', -9223372036854775808, NULL, NULL, NULL);
-- An app row stored before the rule keeps working for changes that do not touch its number.
ALTER TABLE public.accounts DISABLE TRIGGER accounts_claims;
ALTER TABLE kinde_claims.profiles DISABLE TRIGGER profiles_before_write;
INSERT INTO public.accounts VALUES ('kp_app3', 750727362669608961, NULL, NULL, NULL, 'old');
INSERT INTO kinde_claims.profiles (kinde_id, claims) VALUES ('kp_app3', '{"org_id": 750727362669608961}');
ALTER TABLE kinde_claims.profiles ENABLE TRIGGER profiles_before_write;
ALTER TABLE public.accounts ENABLE TRIGGER accounts_claims;
SELECT pg_temp.try($$UPDATE public.accounts SET note = 'new', seats = 3 WHERE kinde_user_id = 'kp_app3'$$) AS other_columns;
SELECT kinde_claims_for('kp_app3');
SELECT pg_temp.try($$UPDATE public.accounts SET org_id = org_id + 1 WHERE kinde_user_id = 'kp_app3'$$) AS its_number;
SELECT pg_temp.try($$UPDATE public.accounts SET kinde_user_id = 'kp_app4' WHERE kinde_user_id = 'kp_app3'$$) AS to_another_user;
DROP TABLE public.accounts;

SELECT kinde_id, claims FROM kinde_claims.profiles ORDER BY kinde_id;

-- Checked in time linear in the value (issue 20): under a raised limit, a 100,000-element array
-- and an object 10,000 levels deep, every number fine or the last one not, each well within 10 s
-- (a check that copies its pending values at each step takes minutes; the statement_timeout
-- fails it sooner). The first failing number is reported, in jsonb's order (shorter keys first).
SELECT pg_temp.kc_set('kinde_claims.max_claims_bytes', '1MB');
SET statement_timeout = '60s';
SELECT clock_timestamp() AS started \gset
SELECT pg_temp.try($$SELECT kinde_profile_upsert('kp_wide', claims => jsonb_build_object('ids',
    (SELECT jsonb_agg(i) FROM generate_series(1, 100000) AS i)))$$) AS wide_array,
       clock_timestamp() - :'started' < interval '10 s' AS in_time;
SELECT clock_timestamp() AS started \gset
SELECT pg_temp.try($$SELECT kinde_profile_upsert('kp_wide', claims => jsonb_build_object('ids',
    (SELECT jsonb_agg(i) FROM generate_series(1, 100000) AS i) || '[9007199254740993]'))$$) AS wide_array_last_bad,
       clock_timestamp() - :'started' < interval '10 s' AS in_time;
SELECT clock_timestamp() AS started \gset
SELECT pg_temp.try($$SELECT kinde_profile_upsert('kp_deep', claims => jsonb_build_object('tree',
    (repeat('{"k": ', 10000) || '[1, 2.5]' || repeat('}', 10000))::jsonb))$$) AS deep_object,
       clock_timestamp() - :'started' < interval '10 s' AS in_time;
SELECT clock_timestamp() AS started \gset
SELECT left(pg_temp.try($$SELECT kinde_profile_upsert('kp_deep', claims => jsonb_build_object('tree',
    (repeat('{"k": ', 10000) || '[1, 9007199254740993]' || repeat('}', 10000))::jsonb))$$), 40) AS deep_object_bad,
       clock_timestamp() - :'started' < interval '10 s' AS in_time;
RESET statement_timeout;
SELECT kinde_id, jsonb_array_length(claims -> 'ids') AS ids, jsonb_typeof(claims -> 'tree') AS tree
FROM kinde_claims.profiles WHERE kinde_id IN ('kp_wide', 'kp_deep') ORDER BY kinde_id;
SELECT pg_temp.try(format('SELECT kinde_profile_upsert(%L, claims => %L)', 'kp_order', c)) AS first_in_jsonb_order
FROM unnest(ARRAY['{"b": [1, {"c": 2.5, "d": [3, 1e400]}, 1e309], "aa": 1e401, "x": 1e402}',
                  '{"aa": 1e401, "x": [{"y": 2, "z": [9007199254740993]}, 1e402]}']) WITH ORDINALITY AS t(c, i)
ORDER BY i;
DELETE FROM kinde_claims.profiles WHERE kinde_id IN ('kp_wide', 'kp_deep');
SELECT pg_temp.kc_set('kinde_claims.max_claims_bytes', NULL);
DROP EXTENSION kinde_claims;
