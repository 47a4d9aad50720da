-- js_number_text(number text) RETURNS text: what JavaScript's Number::toString prints for a
-- decimal with the digits of `number` (JSON number text or numeric output, [-]d[.d][e[+-]d]), as
-- rules::javascript_text does: no rounding, only the notation (fixed up to 1e21, exponent past
-- it, 0.000001 down to 1e-7). NULL for text that is not a number.
CREATE OR REPLACE FUNCTION kinde_claims.js_number_text(number text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    parts text[] := regexp_match(number, '^(-?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$');
    all_digits text;
    digits text;
    k integer;
    n bigint;
    out text;
BEGIN
    IF parts IS NULL OR coalesce(parts[2], '') || coalesce(parts[3], '') = '' THEN
        RETURN NULL;
    END IF;
    all_digits := coalesce(parts[2], '') || coalesce(parts[3], '');
    digits := ltrim(all_digits, '0');
    -- The place of the first significant digit: 0.d1d2... x 10^n.
    n := length(coalesce(parts[2], '')) - (length(all_digits) - length(digits))
         + least(greatest(coalesce(parts[4], '0')::numeric, -1e12), 1e12)::bigint;
    digits := rtrim(digits, '0');
    IF digits = '' THEN
        RETURN '0';
    END IF;
    out := CASE WHEN parts[1] = '-' THEN '-' ELSE '' END;
    k := length(digits);
    IF k <= n AND n <= 21 THEN
        RETURN out || digits || repeat('0', (n - k)::integer);
    ELSIF 0 < n AND n <= 21 THEN
        RETURN out || substr(digits, 1, n::integer) || '.' || substr(digits, n::integer + 1);
    ELSIF -6 < n AND n <= 0 THEN
        RETURN out || '0.' || repeat('0', (-n)::integer) || digits;
    END IF;
    out := out || substr(digits, 1, 1);
    IF k > 1 THEN
        out := out || '.' || substr(digits, 2);
    END IF;
    RETURN out || CASE WHEN n - 1 < 0 THEN 'e-' || (1 - n)::text ELSE 'e+' || (n - 1)::text END;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.js_number_text(text) FROM PUBLIC;
