-- number_arrives_as(number numeric) RETURNS text: NULL when the number survives Kinde's runtime
-- (FACTS.md §7: it reads JSON numbers as IEEE-754 doubles), else what the token then shows:
-- JavaScript's text of the nearest double, or Infinity, -Infinity or 0 out of the double's range.
-- As rules::number_survives_double: the shortest text of the double must have the same value.
-- extra_float_digits = 1 makes float8's text that shortest round-trip form.
CREATE OR REPLACE FUNCTION kinde_claims.number_arrives_as(number numeric) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp SET extra_float_digits = 1
AS $$
DECLARE
    nearest double precision;
BEGIN
    BEGIN
        nearest := number::double precision;
    EXCEPTION WHEN numeric_value_out_of_range THEN
        RETURN CASE WHEN abs(number) > 1 THEN CASE WHEN number < 0 THEN '-Infinity' ELSE 'Infinity' END
                    ELSE '0' END;
    END;
    IF nearest::text::numeric = number THEN
        RETURN NULL;
    END IF;
    RETURN kinde_claims.js_number_text(nearest::text);
END
$$;
