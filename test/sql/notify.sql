-- NOTIFY kinde_claims_changed fires exactly when what a user's token carries changes.
-- A second connection (dblink) listens, so the output shows channel and payload but no PID.
CREATE EXTENSION kinde_claims;
CREATE EXTENSION dblink;
SELECT dblink_connect('listener', format('host=%s port=%s dbname=%s user=%s',
    split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port'),
    current_database(), current_user)) AS connected;
SELECT dblink_exec('listener', 'LISTEN kinde_claims_changed');

-- What the listener received before the barrier that the caller sent just before: delivery is
-- asynchronous, but one channel's notifications arrive in commit order, so this never races.
CREATE FUNCTION pg_temp.received() RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    note record;
BEGIN
    FOR attempt IN 1..2000 LOOP
        FOR note IN SELECT * FROM dblink_get_notify('listener') LOOP
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

-- A new profile with the defaults: the token does not change, no notification.
SELECT kinde_profile_upsert('kp_n1');
NOTIFY kinde_claims_changed, 'barrier';
SELECT * FROM pg_temp.received();
-- A new subscriber: notified as an insert.
SELECT kinde_profile_upsert('kp_n2', true);
NOTIFY kinde_claims_changed, 'barrier';
SELECT * FROM pg_temp.received();
-- A change: notified; the same values again: not notified.
SELECT kinde_profile_upsert('kp_n1', claims => '{"plan": "pro"}');
SELECT kinde_profile_upsert('kp_n1', claims => '{"plan": "pro"}');
SELECT kinde_profile_upsert('kp_n1', NULL, NULL);
NOTIFY kinde_claims_changed, 'barrier';
SELECT * FROM pg_temp.received();
-- Adding seats is a change; writing 1.0 as 1.00 is not.
SELECT kinde_profile_upsert('kp_n1', claims => '{"plan": "pro", "seats": 1.0}');
SELECT kinde_profile_upsert('kp_n1', claims => '{"plan": "pro", "seats": 1.00}');
NOTIFY kinde_claims_changed, 'barrier';
SELECT * FROM pg_temp.received();
-- Direct UPDATEs by an admin notify too, and only rows whose token changed.
UPDATE kinde_claims.profiles SET lifetime_subscriber = true WHERE kinde_id IN ('kp_n1', 'kp_n2');
NOTIFY kinde_claims_changed, 'barrier';
SELECT * FROM pg_temp.received();
UPDATE kinde_claims.profiles SET created_at = created_at;
NOTIFY kinde_claims_changed, 'barrier';
SELECT * FROM pg_temp.received();
-- Moving a profile to another id changes both users' tokens.
UPDATE kinde_claims.profiles SET kinde_id = 'kp_n3' WHERE kinde_id = 'kp_n2';
NOTIFY kinde_claims_changed, 'barrier';
SELECT * FROM pg_temp.received() ORDER BY 1;
-- Deleting a profile that carried something notifies; deleting a default one does not.
SELECT kinde_profile_upsert('kp_n4');
SELECT kinde_profile_delete('kp_n3'), kinde_profile_delete('kp_n4');
NOTIFY kinde_claims_changed, 'barrier';
SELECT * FROM pg_temp.received();
-- Rolled-back changes are never announced.
BEGIN;
SELECT kinde_profile_upsert('kp_n5', true);
ROLLBACK;
NOTIFY kinde_claims_changed, 'barrier';
SELECT * FROM pg_temp.received();
-- Hostile ids cannot break the payload's JSON (the id rules refuse them before).
SELECT kinde_profile_upsert('kp_n6', false, '{"note": "quote \" and backslash \\"}');
NOTIFY kinde_claims_changed, 'barrier';
SELECT payload::jsonb ->> 'kinde_id' AS id, payload::jsonb ->> 'op' AS op FROM pg_temp.received() payload;

SELECT dblink_disconnect('listener');
DROP EXTENSION dblink;
DROP EXTENSION kinde_claims;
