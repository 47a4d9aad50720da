-- number_arrives_as(number numeric) RETURNS text: NULL when the number survives Kinde's runtime
-- (FACTS.md §7: it reads JSON numbers as IEEE-754 doubles), else what the token then shows:
-- JavaScript's text of the nearest double, or Infinity, -Infinity or 0 out of the double's range.
-- As rules::number_survives_double: the shortest decimal that reads back as the same double must
-- have the number's value. float8's text (extra_float_digits = 1) reads back as the double but is
-- not always the shortest (Ryu writes 1e23's double as 9.999999999999999e+22): the shortest is
-- that text rounded to the fewest significant digits (1 to 17) that still read back as the double.
CREATE OR REPLACE FUNCTION kinde_claims.number_arrives_as(number numeric) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp SET extra_float_digits = 1
AS $$
DECLARE
    nearest double precision;
    nearest_value numeric;
    magnitude text;
    exponent integer;
    shortest numeric;
BEGIN
    BEGIN
        nearest := number::double precision;
    EXCEPTION WHEN numeric_value_out_of_range THEN
        RETURN CASE WHEN abs(number) > 1 THEN CASE WHEN number < 0 THEN '-Infinity' ELSE 'Infinity' END
                    ELSE '0' END;
    END;
    nearest_value := nearest::text::numeric;
    shortest := nearest_value;
    IF nearest_value <> 0 THEN
        -- The place of the first significant digit: abs(nearest_value) = d.ddd x 10^exponent.
        magnitude := abs(nearest_value)::text;
        exponent := CASE WHEN abs(nearest_value) >= 1 THEN length(split_part(magnitude, '.', 1)) - 1
                         ELSE length(ltrim(split_part(magnitude, '.', 2), '0')) - length(split_part(magnitude, '.', 2)) - 1
                    END;
        FOR digits IN 1..17 LOOP
            shortest := round(nearest_value, digits - 1 - exponent);
            -- (Rounded up past the largest double, it is no double at all: the cast would fail.)
            EXIT WHEN abs(shortest) <= 1.7976931348623157e308 AND shortest::double precision = nearest;
        END LOOP;
    END IF;
    IF shortest = number THEN
        RETURN NULL;
    END IF;
    RETURN kinde_claims.js_number_text(shortest::text);
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.number_arrives_as(numeric) FROM PUBLIC;
