-- kinde_claims.notify: on (the default), a change of a user's token is announced on
-- kinde_claims_changed; off, nothing is announced and the claims history still gets its entry.
-- The database's owner turning it off for the database: edition_notify_database.
CREATE EXTENSION kinde_claims;
CREATE EXTENSION dblink;

\getenv abs_srcdir PG_ABS_SRCDIR
\set listen_sql :abs_srcdir '/lib/listen.sql'
\i :listen_sql
SELECT pg_temp.connect('listener', current_database(), current_user);
SELECT dblink_exec('listener', 'LISTEN kinde_claims_changed');

CREATE FUNCTION pg_temp.history(user_id text) RETURNS TABLE (source text, new_claims jsonb)
    LANGUAGE sql AS 'SELECT source, new_claims FROM kinde_claims_history(user_id) ORDER BY changed_at';

-- On (the default): announced, and one history entry.
SELECT kinde_profile_upsert('kp_ns1', true);
NOTIFY kinde_claims_changed, 'barrier';
SELECT * FROM pg_temp.received();
SELECT * FROM pg_temp.history('kp_ns1');

-- Off for this session: no write path announces anything (function, direct writes, delete), and
-- every change still has its history entry.
SET kinde_claims.notify = off;
SELECT kinde_profile_upsert('kp_ns1', NULL, '{"plan": "pro"}');
UPDATE kinde_claims.profiles SET lifetime_subscriber = false WHERE kinde_id = 'kp_ns1';
SELECT kinde_profile_delete('kp_ns1');
INSERT INTO kinde_claims.profiles (kinde_id, lifetime_subscriber) VALUES ('kp_ns2', true);
NOTIFY kinde_claims_changed, 'barrier';
SELECT * FROM pg_temp.received();
SELECT * FROM pg_temp.history('kp_ns1');
SELECT count(*) AS kp_ns2_entries FROM kinde_claims_history('kp_ns2');
RESET kinde_claims.notify;

-- SET LOCAL: off for one transaction, on again after it.
BEGIN;
SET LOCAL kinde_claims.notify = off;
SELECT kinde_profile_upsert('kp_ns3', true);
COMMIT;
SELECT kinde_profile_upsert('kp_ns4', true);
NOTIFY kinde_claims_changed, 'barrier';
SELECT * FROM pg_temp.received();
SELECT count(*) AS kp_ns3_entries FROM kinde_claims_history('kp_ns3');

SELECT dblink_disconnect('listener');
DROP EXTENSION dblink;
DROP EXTENSION kinde_claims;
