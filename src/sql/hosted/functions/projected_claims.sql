-- projected_claims(spec jsonb, new_row jsonb, old_row jsonb) RETURNS jsonb: the claims a row of an
-- app table projects through a projection trigger (spec from projection_spec; the row as
-- to_jsonb gives it): one per mapped column that is not NULL, as a JSON value (a timestamptz as
-- ISO 8601 in UTC, 2024-05-01T12:34:56Z). Each value is checked against the claim rules (a name
-- Kinde issues, a number a double would change in a bigint, numeric or jsonb column) unless
-- `old_row` (an UPDATE's old row for the same key) holds the same value. Raises 22023 prefixed with
-- the trigger and ending with the column, or for NaN, an infinity or a time outside 0001-9999.
CREATE OR REPLACE FUNCTION kinde_claims.projected_claims(spec jsonb, new_row jsonb, old_row jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    mapped record;
    value jsonb;
    moment timestamptz;
    micros integer;
    iso text;
    violation text[];
    result jsonb := '{}';
    prefix text := spec ->> 'prefix';
BEGIN
    FOR mapped IN SELECT c ->> 'claim' AS claim, c ->> 'column' AS col, c ->> 'type' AS kind
                  FROM jsonb_array_elements(spec -> 'claims') c LOOP
        value := new_row -> mapped.col;
        -- Absent: SQL NULL (row_without_sql_nulls); JSON null is a value only in a jsonb column.
        IF value IS NULL OR (jsonb_typeof(value) = 'null' AND mapped.kind <> 'jsonb') THEN
            CONTINUE;
        END IF;
        IF mapped.kind = 'numeric' AND jsonb_typeof(value) = 'string' THEN
            RAISE EXCEPTION USING ERRCODE = '22023',
                MESSAGE = prefix || format('column "%s" holds %s, which JSON cannot carry', mapped.col,
                                           CASE WHEN value #>> '{}' = 'NaN' THEN 'NaN' ELSE 'an infinity' END);
        END IF;
        IF mapped.kind = 'timestamptz' THEN
            moment := (value #>> '{}')::timestamptz;
            IF NOT isfinite(moment) OR extract(year FROM moment AT TIME ZONE 'UTC') NOT BETWEEN 1 AND 9999 THEN
                RAISE EXCEPTION USING ERRCODE = '22023',
                    MESSAGE = prefix || format('column "%s" holds a time outside the years 0001 to 9999', mapped.col),
                    DETAIL = 'Claims carry times as ISO 8601 strings such as 2024-05-01T12:34:56Z.';
            END IF;
            iso := to_char(moment AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS');
            micros := (extract(microseconds FROM moment AT TIME ZONE 'UTC')::bigint % 1000000)::integer;
            IF micros <> 0 THEN
                iso := iso || '.' || rtrim(lpad(micros::text, 6, '0'), '0');
            END IF;
            value := to_jsonb(iso || 'Z');
        END IF;
        IF old_row IS NULL OR old_row -> mapped.col IS NULL OR jsonb_typeof(old_row -> mapped.col) = 'null'
           OR (old_row -> mapped.col)::text <> (new_row -> mapped.col)::text THEN
            violation := kinde_claims.issued_claim_violation(mapped.claim);
            IF violation IS NULL AND mapped.kind IN ('int8', 'numeric', 'jsonb') THEN
                violation := kinde_claims.claim_number_violation(mapped.claim, value);
            END IF;
            IF violation IS NOT NULL THEN
                PERFORM kinde_claims.raise_violation(ARRAY[prefix || violation[1] || format(' (column "%s")', mapped.col),
                                                           violation[2], violation[3]]);
            END IF;
        END IF;
        result := result || jsonb_build_object(mapped.claim, value);
    END LOOP;
    RETURN result;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.projected_claims(jsonb, jsonb, jsonb) FROM PUBLIC;
