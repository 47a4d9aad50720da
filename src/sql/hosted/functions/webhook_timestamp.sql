-- webhook_timestamp(timestamp text) RETURNS timestamptz: a webhook's ISO 8601 date and time with a
-- UTC offset, as Kinde sends it ("2024-05-01T17:41:45.592145+10:00", or with "Z"); digits past
-- the sixth of a second are truncated. Raises 22023 naming what is wrong, as
-- rules::parse_webhook_timestamp. Postgres's own timestamptz input is not used because it also
-- accepts "now", "epoch" and "infinity".
CREATE OR REPLACE FUNCTION kinde_claims.webhook_timestamp(value text) RETURNS timestamptz
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    why text;
    parts text[];
    y integer; mo integer; d integer; h integer; mi integer; s integer;
    rest text;
    fraction text;
    micros integer := 0;
    offset_minutes integer := 0;
BEGIN
    <<check>>
    BEGIN
        IF value COLLATE "C" !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}' THEN
            why := 'It does not start with a date YYYY-MM-DD';
            EXIT check;
        END IF;
        IF value COLLATE "C" !~ '^.{10}T[0-9]{2}:[0-9]{2}:[0-9]{2}' THEN
            why := 'The date is not followed by a time THH:MM:SS';
            EXIT check;
        END IF;
        y := substr(value, 1, 4)::integer; mo := substr(value, 6, 2)::integer; d := substr(value, 9, 2)::integer;
        h := substr(value, 12, 2)::integer; mi := substr(value, 15, 2)::integer; s := substr(value, 18, 2)::integer;
        IF y < 1 OR mo < 1 OR mo > 12 OR d < 1
           OR d > extract(day FROM make_date(y, mo, 1) + interval '1 month - 1 day')
           OR h > 23 OR mi > 59 OR s > 59 THEN
            why := 'No such date or time';
            EXIT check;
        END IF;
        rest := substr(value, 20);
        IF left(rest, 1) = '.' THEN
            fraction := substring(rest FROM '^\.([0-9]*)');
            IF length(fraction) = 0 OR length(fraction) > 9 THEN
                why := 'The fraction of a second has 1 to 9 digits';
                EXIT check;
            END IF;
            micros := rpad(left(fraction, 6), 6, '0')::integer;
            rest := substr(rest, length(fraction) + 2);
        END IF;
        IF left(rest, 1) = 'Z' THEN
            rest := substr(rest, 2);
        ELSIF left(rest, 1) IN ('+', '-') THEN
            parts := regexp_match(rest, '^([+-])([0-9]{2}):([0-9]{2})');
            IF parts IS NULL OR parts[2]::integer > 18 OR parts[3]::integer > 59 THEN
                why := 'The UTC offset is not +HH:MM or -HH:MM';
                EXIT check;
            END IF;
            offset_minutes := (CASE parts[1] WHEN '-' THEN -1 ELSE 1 END) * (parts[2]::integer * 60 + parts[3]::integer);
            rest := substr(rest, 7);
        ELSE
            why := 'It has no UTC offset (Z, +HH:MM or -HH:MM)';
            EXIT check;
        END IF;
        IF rest <> '' THEN
            why := 'There is text after the UTC offset';
            EXIT check;
        END IF;
        RETURN (make_timestamp(y, mo, d, h, mi, s) AT TIME ZONE 'UTC')
               - make_interval(mins => offset_minutes) + make_interval(secs => micros / 1000000.0);
    END;
    RAISE EXCEPTION USING ERRCODE = '22023',
        MESSAGE = 'invalid webhook timestamp ' || kinde_claims.quote_for_message(value),
        DETAIL = why || '. A webhook timestamp is an ISO 8601 date and time with a UTC offset, such as '
                 '2024-05-01T17:41:45.592145+10:00.';
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.webhook_timestamp(text) FROM PUBLIC;
