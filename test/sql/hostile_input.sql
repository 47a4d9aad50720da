-- Hostile values against every entry point. Each row is one input and what it gives: the
-- SQLSTATE and message of the error, or "ok" and the start of the result. The README's
-- "Hostile input" table lists the same rows. Bytes a SQL literal cannot carry (raw invalid
-- UTF-8, NUL in bind parameters) are sent through the client by test/suites/63-hostile.
CREATE EXTENSION kinde_claims;
\getenv abs_srcdir PG_ABS_SRCDIR
\set setting_sql :abs_srcdir '/lib/setting.sql'
\i :setting_sql
SELECT kinde_profile_upsert('kp_victim', true, '{"plan": "pro"}');

-- Runs one statement; its first value (cut to 60 characters), or its error.
CREATE FUNCTION pg_temp.outcome(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    result text;
BEGIN
    EXECUTE statement INTO result;
    RETURN 'ok: ' || coalesce(left(result, 60) || CASE WHEN length(result) > 60 THEN '...' ELSE '' END, 'NULL');
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- Kinde user ids.
SELECT input, pg_temp.outcome(statement) AS result FROM (VALUES
    ('the longest valid id: kp_ and 64 letters',
     $$SELECT kinde_profile_delete('kp_' || repeat('a', 64))$$),
    ('kp_ and 65 letters',
     $$SELECT kinde_profile_upsert('kp_' || repeat('a', 65))$$),
    ('a 10 MB id, to kinde_claims_for',
     $$SELECT kinde_claims_for('kp_' || repeat('a', 10000000))$$),
    ('a 10 MB id, to kinde_profile_upsert',
     $$SELECT kinde_profile_upsert('kp_' || repeat('a', 10000000), true)$$),
    ('a 10 MB id, to kinde_profile_delete',
     $$SELECT kinde_profile_delete('kp_' || repeat('a', 10000000))$$),
    ('an empty id', $$SELECT kinde_claims_for('')$$),
    ('the prefix alone', $$SELECT kinde_claims_for('kp_')$$),
    ('NULL', $$SELECT kinde_claims_for(NULL)$$),
    ('NULL, to kinde_profile_upsert', $$SELECT kinde_profile_upsert(NULL, true)$$),
    ('SQL in an id',
     $$SELECT kinde_profile_upsert($q$kp_1'; DROP TABLE kinde_claims.profiles; --$q$, true)$$),
    ('SQL in an id, to kinde_profile_delete',
     $$SELECT kinde_profile_delete($q$kp_victim' OR '1'='1$q$)$$),
    ('a newline and a forged log line in an id',
     $$SELECT kinde_claims_for(E'kp_a\nERROR:  forged "line"')$$),
    ('upper-case prefix', $$SELECT kinde_claims_for('KP_victim')$$),
    ('trailing space', $$SELECT kinde_claims_for('kp_victim ')$$),
    ('full-width digits', $$SELECT kinde_claims_for('kp_１２３')$$),
    ('a Cyrillic letter that looks Latin', $$SELECT kinde_claims_for('kp_vісtim')$$),
    ('a zero-width space', $$SELECT kinde_claims_for(E'kp_victim\u200b')$$),
    ('a long id whose quote is cut inside a three-byte character',
     $$SELECT kinde_claims_for('kp_' || repeat('a', 44) || '✓✓✓')$$),
    ('a NUL byte in a literal', $$SELECT kinde_claims_for(E'kp_victim\x00')$$),
    ('chr(0)', $$SELECT kinde_claims_for('kp_victim' || chr(0))$$),
    ('invalid UTF-8 in a literal', $$SELECT kinde_claims_for(E'kp_victim\xff')$$),
    ('a number instead of text', $$SELECT kinde_claims_for(42)$$)
) AS cases(input, statement);

-- Custom claims. The limit counts bytes of the JSON text a token would carry.
SELECT input, pg_temp.outcome(statement) AS result FROM (VALUES
    ('4096 bytes of claims (the limit)',
     $$SELECT kinde_profile_upsert('kp_claims1', NULL, jsonb_build_object('x', repeat('a', 4087)))$$),
    ('4097 bytes of claims',
     $$SELECT kinde_profile_upsert('kp_claims1', NULL, jsonb_build_object('x', repeat('a', 4088)))$$),
    ('10 MB of claims',
     $$SELECT kinde_profile_upsert('kp_claims1', NULL, jsonb_build_object('x', repeat('a', 10000000)))$$),
    ('1,400 three-byte characters (4,209 bytes)',
     $$SELECT kinde_profile_upsert('kp_claims1', NULL, jsonb_build_object('x', repeat('✓', 1400)))$$),
    ('a 15-byte number that prints as 5,001 digits',
     $$SELECT kinde_profile_upsert('kp_claims1', NULL, '{"n": 1e5000}')$$),
    ('a number beyond numeric',
     $$SELECT kinde_profile_upsert('kp_claims1', NULL, '{"n": 1e1000000}')$$),
    ('a claim name of 128 characters',
     $$SELECT kinde_profile_upsert('kp_claims1', NULL, jsonb_build_object(repeat('n', 128), 1))$$),
    ('a claim name of 129 characters',
     $$SELECT kinde_profile_upsert('kp_claims1', NULL, jsonb_build_object(repeat('n', 129), 1))$$),
    ('claims nested 10,000 deep',
     $$SELECT kinde_profile_upsert('kp_claims1', NULL, ('{"a": ' || repeat('[', 10000) || repeat(']', 10000) || '}')::jsonb)$$),
    ('claims nested 100,000 deep',
     $$SELECT kinde_profile_upsert('kp_claims1', NULL, ('{"a": ' || repeat('[', 100000) || repeat(']', 100000) || '}')::jsonb)$$),
    ('\u0000 in a claim value',
     $$SELECT kinde_profile_upsert('kp_claims1', NULL, '{"a": "x\u0000y"}')$$),
    ('\u0000 in a claim name',
     $$SELECT kinde_profile_upsert('kp_claims1', NULL, '{"a\u0000": 1}')$$),
    ('a control character in a claim name',
     $$SELECT kinde_profile_upsert('kp_claims1', NULL, '{"a\u0001\nb": 1}')$$),
    ('a right-to-left override in a claim name',
     $$SELECT kinde_profile_upsert('kp_claims1', NULL, '{"plan\u202eorp": 1}')$$),
    ('a non-ASCII claim name',
     $$SELECT kinde_profile_upsert('kp_claims1', NULL, '{"plän": 1}')$$),
    ('SQL in a claim value (stored as text)',
     $$SELECT kinde_profile_upsert('kp_claims1', NULL, $j${"plan": "x'); DROP TABLE kinde_claims.profiles; --"}$j$)$$),
    ('a reserved claim', $$SELECT kinde_profile_upsert('kp_claims1', NULL, '{"sub": "kp_victim"}')$$),
    ('a reserved claim spelled with \u escapes',
     $$SELECT kinde_profile_upsert('kp_claims1', NULL, '{"\u0073\u0075\u0062": "kp_victim"}')$$),
    ('lifetime_subscriber inside claims',
     $$SELECT kinde_profile_upsert('kp_claims1', false, '{"lifetime_subscriber": true}')$$),
    ('a duplicated name (JSON keeps the last)',
     $$SELECT kinde_profile_upsert('kp_claims2', NULL, '{"plan": "free", "plan": "pro"}')$$),
    ('a JSON array', $$SELECT kinde_profile_upsert('kp_claims1', NULL, '[{"plan": "pro"}]')$$),
    ('a JSON string', $$SELECT kinde_profile_upsert('kp_claims1', NULL, '"plan"')$$),
    ('JSON null', $$SELECT kinde_profile_upsert('kp_claims1', NULL, 'null')$$),
    ('not JSON', $$SELECT kinde_profile_upsert('kp_claims1', NULL, '{plan: pro}')$$),
    ('lifetime_subscriber ''maybe''', $$SELECT kinde_profile_upsert('kp_claims1', 'maybe')$$)
) AS cases(input, statement);

-- Direct writes by the owner obey the same rules, and the size setting keeps to its range (a
-- trigger function called directly: edition_trigger_call.sql).
SELECT input, pg_temp.outcome(statement) AS result FROM (VALUES
    ('INSERT of an array as claims',
     $$INSERT INTO kinde_claims.profiles (kinde_id, claims) VALUES ('kp_direct', '[]') RETURNING kinde_id$$),
    ('INSERT of NULL claims',
     $$INSERT INTO kinde_claims.profiles (kinde_id, claims) VALUES ('kp_direct', NULL) RETURNING kinde_id$$),
    ('UPDATE of every id to a bad one',
     $$UPDATE kinde_claims.profiles SET kinde_id = kinde_id || '!' RETURNING kinde_id$$),
    ('UPDATE of every id to one id',
     $$UPDATE kinde_claims.profiles SET kinde_id = 'kp_victim' RETURNING kinde_id$$),
    ('max_claims_bytes above 1 MB', $$SELECT pg_temp.kc_set('kinde_claims.max_claims_bytes', '2000000')$$),
    ('max_claims_bytes of 1 byte', $$SELECT pg_temp.kc_set('kinde_claims.max_claims_bytes', '1')$$)
) AS cases(input, statement);

-- Nothing was half-written: the victim's token and the set of profiles are what the accepted
-- rows above made them.
SELECT kinde_claims_for('kp_victim');
SELECT kinde_id, length(claims::text) AS claims_bytes FROM kinde_claims.profiles ORDER BY kinde_id;
SELECT kinde_claims_for('kp_claims2');

-- Deep nesting within a raised limit is stored and served, not a crash.
SELECT pg_temp.kc_set('kinde_claims.max_claims_bytes', '1048576');
SELECT length(kinde_profile_upsert('kp_deep', true, ('{"a": ' || repeat('[', 10000) || repeat(']', 10000) || '}')::jsonb)::text) AS token_bytes;
SELECT length(kinde_claims_for('kp_deep')::text) AS token_bytes;
UPDATE kinde_claims.profiles SET lifetime_subscriber = false WHERE kinde_id = 'kp_deep';
SELECT kinde_profile_delete('kp_deep');
SELECT pg_temp.kc_set('kinde_claims.max_claims_bytes', NULL);

DROP EXTENSION kinde_claims;
