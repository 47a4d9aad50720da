-- Lowering kinde_claims.max_claims_bytes applies to claims written from then on. Claims already
-- stored stay readable, and changes that leave them alone (revoking lifetime_subscriber, an
-- admin's UPDATE of another column) still work: a smaller limit must never lock a user's
-- subscription in place.
CREATE EXTENSION kinde_claims;
\set SHOW_CONTEXT never
\getenv abs_srcdir PG_ABS_SRCDIR
\set setting_sql :abs_srcdir '/lib/setting.sql'
\i :setting_sql
SELECT length(kinde_profile_upsert('kp_big', true, jsonb_build_object('x', repeat('a', 3000)))::text) AS token_length;
SELECT pg_temp.kc_set('kinde_claims.max_claims_bytes', '1000');

-- The stored claims still reach the token.
SELECT length(kinde_claims_for('kp_big')::text) AS token_length;
-- Revoking the subscription keeps the claims and works.
SELECT kinde_profile_upsert('kp_big', false) ->> 'lifetime_subscriber' AS lifetime_subscriber;
UPDATE kinde_claims.profiles SET lifetime_subscriber = true WHERE kinde_id = 'kp_big';
SELECT kinde_claims_for('kp_big') ->> 'lifetime_subscriber' AS lifetime_subscriber;
-- Writing claims is held to the new limit, whether new or changed, through the API or directly.
SELECT kinde_profile_upsert('kp_big', NULL, jsonb_build_object('x', repeat('b', 3000)));
UPDATE kinde_claims.profiles SET claims = claims || '{"y": 1}' WHERE kinde_id = 'kp_big';
SELECT kinde_profile_upsert('kp_new', NULL, jsonb_build_object('x', repeat('c', 1000)));
-- Shrinking the claims is a change within the limit.
SELECT kinde_profile_upsert('kp_big', NULL, '{"plan": "pro"}');
SELECT pg_temp.kc_set('kinde_claims.max_claims_bytes', NULL);
DROP EXTENSION kinde_claims;
