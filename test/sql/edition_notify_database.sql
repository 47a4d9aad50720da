-- kinde_claims.notify per database, per edition (test/expected/edition_notify_database.out is the
-- C++ edition's, test/expected/hosted/edition_notify_database.out the SQL edition's;
-- docs/hosted.md#differences-between-the-editions): the C++ edition defines the parameter, so the
-- database's owner may ALTER DATABASE ... SET it; to the SQL edition it is a placeholder, which
-- only a superuser may set for a database (a session's SET works in both: notify_setting).
CREATE EXTENSION kinde_claims;
CREATE EXTENSION dblink;
SHOW kinde_claims.notify;
SELECT setting, context, vartype FROM pg_settings WHERE name = 'kinde_claims.notify';

\getenv abs_srcdir PG_ABS_SRCDIR
\set listen_sql :abs_srcdir '/lib/listen.sql'
\i :listen_sql
-- Per database, by its owner, who is not a superuser: once the extension's library is loaded in
-- the owner's session (any call of one of its functions), ALTER DATABASE ... SET takes it, and
-- every new session in that database starts with it off.
CREATE ROLE regress_kc_notify_owner LOGIN;
CREATE DATABASE regress_kc_notify OWNER regress_kc_notify_owner;
SELECT pg_temp.connect('setup', 'regress_kc_notify', current_user);
SELECT dblink_exec('setup', 'CREATE EXTENSION kinde_claims');
SELECT dblink_exec('setup', 'GRANT EXECUTE ON FUNCTION kinde_claims_for(text, text) TO regress_kc_notify_owner');
SELECT pg_temp.connect('owner', 'regress_kc_notify', 'regress_kc_notify_owner');
SELECT * FROM dblink('owner', $$SELECT kinde_claims_for('kp_nobody')$$) AS t(claims jsonb);
SELECT dblink_exec('owner', 'ALTER DATABASE regress_kc_notify SET kinde_claims.notify = off');
SELECT pg_temp.connect('listener2', 'regress_kc_notify', current_user);
SELECT dblink_exec('listener2', 'LISTEN kinde_claims_changed');
SELECT pg_temp.connect('writer', 'regress_kc_notify', current_user);
SELECT * FROM dblink('writer', 'SHOW kinde_claims.notify') AS t(notify text);
SELECT * FROM dblink('writer', $$SELECT kinde_profile_upsert('kp_ns5', true)$$) AS t(claims jsonb);
SELECT dblink_exec('writer', $$NOTIFY kinde_claims_changed, 'barrier'$$);
SELECT * FROM pg_temp.received('listener2');
SELECT * FROM dblink('writer', $$SELECT count(*) FROM kinde_claims_history('kp_ns5')$$) AS t(kp_ns5_entries bigint);
-- A session may still turn it on for itself: announced again.
SELECT dblink_exec('writer', 'SET kinde_claims.notify = on');
SELECT * FROM dblink('writer', $$SELECT kinde_profile_upsert('kp_ns5', false)$$) AS t(claims jsonb);
SELECT dblink_exec('writer', $$NOTIFY kinde_claims_changed, 'barrier'$$);
SELECT * FROM pg_temp.received('listener2');

SELECT dblink_disconnect(name) FROM unnest(ARRAY['setup', 'owner', 'listener2', 'writer']) name;
DROP DATABASE regress_kc_notify;
DROP ROLE regress_kc_notify_owner;
DROP EXTENSION dblink;
DROP EXTENSION kinde_claims;
