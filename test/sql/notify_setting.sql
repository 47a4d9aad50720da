-- kinde_claims.notify: on (the default), a change of a user's token is announced on
-- kinde_claims_changed; off, nothing is announced and the claims history still gets its entry.
-- The database's owner turning it off for the database: edition_notify_database.
CREATE EXTENSION kinde_claims;
CREATE EXTENSION dblink;

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

SELECT dblink_disconnect('listener');
DROP EXTENSION dblink;
DROP EXTENSION kinde_claims;
