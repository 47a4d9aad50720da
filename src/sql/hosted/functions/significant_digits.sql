-- significant_digits(number text) RETURNS integer: how many significant digits a decimal's text
-- ([-]digits[.digits][e[+-]digits]) has, leading and trailing zeros left out; 0 for zero.
CREATE OR REPLACE FUNCTION kinde_claims.significant_digits(number text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN length(trim(BOTH '0' FROM replace(split_part(split_part(lower(ltrim(number, '-')), 'e', 1), '.', 1)
                                             || split_part(split_part(lower(number), 'e', 1), '.', 2), '-', '')));
REVOKE ALL ON FUNCTION kinde_claims.significant_digits(text) FROM PUBLIC;
