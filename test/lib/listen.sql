-- Shared by the regression tests that listen for kinde_claims_changed through dblink, loaded after
-- CREATE EXTENSION dblink with:
--   \getenv abs_srcdir PG_ABS_SRCDIR
--   \set listen_sql :abs_srcdir '/lib/listen.sql'
--   \i :listen_sql
-- pg_temp.connect(name, db, role): opens dblink connection NAME to database DB as ROLE on this
-- cluster's socket; answers dblink_connect's 'OK'.
-- pg_temp.received(conn): the payloads connection CONN received before the 'barrier' notification
-- sent just before, in order; raises if the barrier does not arrive within about 10 s.
-- A dblink connection to DB as ROLE.
CREATE FUNCTION pg_temp.connect(name text, db text, role text) RETURNS text LANGUAGE sql AS $$
    SELECT dblink_connect(name, format('host=%s port=%s dbname=%s user=%s',
        split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port'), db, role))
$$;
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
