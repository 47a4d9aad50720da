-- kinde_claims.notify: on (the default), a change of a user's token is announced on
-- kinde_claims_changed; off, nothing is announced and the claims history still gets its entry.
-- The database's owner, not a superuser, turns it off for the database with ALTER DATABASE.
CREATE EXTENSION kinde_claims;
CREATE EXTENSION dblink;
SHOW kinde_claims.notify;
SELECT setting, context, vartype FROM pg_settings WHERE name = 'kinde_claims.notify';

-- A dblink connection to DB as ROLE.
CREATE FUNCTION pg_temp.connect(name text, db text, role text) RETURNS text LANGUAGE sql AS $$
    SELECT dblink_connect(name, format('host=%s port=%s dbname=%s user=%s',
        split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port'), db, role))
$$;
SELECT pg_temp.connect('listener', current_database(), current_user);
SELECT dblink_exec('listener', 'LISTEN kinde_claims_changed');

-- What connection CONN received before the barrier sent just before (as in notify.sql).
CREATE FUNCTION pg_temp.received(conn text DEFAULT 'listener') RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    note record;
BEGIN
    FOR attempt IN 1..2000 LOOP
        FOR note IN SELECT * FROM dblink_get_notify(conn) LOOP
            IF note.extra = 'barrier' THEN
                RETURN;
            END IF;
            RETURN NEXT note.extra;
        END LOOP;
        PERFORM pg_sleep(0.005);
    END LOOP;
    RAISE EXCEPTION 'the barrier notification never arrived';
END
$$;
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

SELECT dblink_disconnect(name) FROM unnest(ARRAY['listener', 'setup', 'owner', 'listener2', 'writer']) name;
DROP DATABASE regress_kc_notify;
DROP ROLE regress_kc_notify_owner;
DROP EXTENSION dblink;
DROP EXTENSION kinde_claims;
