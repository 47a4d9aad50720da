-- number_arrives_as(number numeric) RETURNS text: NULL when the number survives Kinde's runtime
-- (FACTS.md §7: it reads JSON numbers as IEEE-754 doubles), else what the token then shows:
-- JavaScript's text of the nearest double, or Infinity, -Infinity or 0 out of the double's range.
-- As rules::number_survives_double: the shortest decimal that reads back as the same double must
-- have the number's value. float8's text (extra_float_digits = 1) is such a decimal except at a
-- few boundaries (Ryu writes 1e23's double as 9.999999999999999e+22), where a number with fewer
-- significant digits than that text still reads back as the double: that number is the shortest.
CREATE OR REPLACE FUNCTION kinde_claims.number_arrives_as(number numeric) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp SET extra_float_digits = 1
AS $$
DECLARE
    nearest double precision;
    nearest_text text;
BEGIN
    BEGIN
        nearest := number::double precision;
    EXCEPTION WHEN numeric_value_out_of_range THEN
        RETURN CASE WHEN abs(number) > 1 THEN CASE WHEN number < 0 THEN '-Infinity' ELSE 'Infinity' END
                    ELSE '0' END;
    END;
    nearest_text := nearest::text;
    IF nearest_text::numeric = number
       OR kinde_claims.significant_digits(number::text) < kinde_claims.significant_digits(nearest_text) THEN
        RETURN NULL;
    END IF;
    RETURN kinde_claims.js_number_text(nearest_text);
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.number_arrives_as(numeric) FROM PUBLIC;
