-- trigger_arguments(tgargs bytea, nargs integer) RETURNS text[]: pg_trigger.tgargs as the text
-- arguments they are (each ended by a zero byte, in the database's encoding).
CREATE OR REPLACE FUNCTION kinde_claims.trigger_arguments(tgargs bytea, nargs integer) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result text[] := '{}';
    rest bytea := tgargs;
    stop integer;
BEGIN
    FOR i IN 1 .. nargs LOOP
        stop := position('\x00'::bytea IN rest);
        result := result || convert_from(substring(rest FROM 1 FOR stop - 1), current_setting('server_encoding'));
        rest := substring(rest FROM stop + 1);
    END LOOP;
    RETURN result;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.trigger_arguments(bytea, integer) FROM PUBLIC;
