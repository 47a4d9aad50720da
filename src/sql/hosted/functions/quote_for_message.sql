-- quote_for_message(value text) RETURNS text: the value quoted for an error message, as
-- rules::quote_for_message does: at most 48 bytes shown (then "..."), each byte below 0x20 or
-- from 0x7f, and '"' and '\', written as \xNN, so hostile input cannot flood or forge log lines.
-- NULL gives NULL.
CREATE OR REPLACE FUNCTION kinde_claims.quote_for_message(value text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    bytes bytea := convert_to(value, 'UTF8');
    out text := '"';
    b integer;
BEGIN
    IF value IS NULL THEN
        RETURN NULL;
    END IF;
    FOR i IN 0 .. least(length(bytes), 49) - 1 LOOP
        IF i = 48 THEN
            out := out || '...';
            EXIT;
        END IF;
        b := get_byte(bytes, i);
        IF b < 32 OR b >= 127 OR b = 34 OR b = 92 THEN
            out := out || '\x' || lpad(to_hex(b), 2, '0');
        ELSE
            out := out || chr(b);
        END IF;
    END LOOP;
    RETURN out || '"';
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.quote_for_message(text) FROM PUBLIC;
