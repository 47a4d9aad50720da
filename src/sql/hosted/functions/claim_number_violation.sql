-- claim_number_violation(path text, value jsonb) RETURNS text[]: for the first number in `value`
-- (the claim `path`, at any depth, depth first in jsonb's order) that a double would change
-- (FACTS.md §7), the error as {message, detail, hint}; NULL when every number survives. The path
-- names where it sits: org_id, limits.seats, ids[2]. As claim_numbers_violation in write_rules.cpp.
CREATE OR REPLACE FUNCTION kinde_claims.claim_number_violation(path text, value jsonb) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    kind text := jsonb_typeof(value);
    arrives text;
    shown text;
    member record;
    violation text[];
    i integer := 0;
BEGIN
    IF kind = 'number' THEN
        arrives := kinde_claims.number_arrives_as(value::text::numeric);
        IF arrives IS NULL THEN
            RETURN NULL;
        END IF;
        shown := (value::text::numeric)::text;
        IF length(shown) > 24 THEN
            shown := kinde_claims.js_number_text(shown);
        END IF;
        RETURN ARRAY[
            'claim ' || kinde_claims.quote_for_message(path) || ' holds the number '
                || kinde_claims.quote_for_message(shown) || ', which reaches the token as ' || arrives,
            'Kinde''s workflow runtime reads JSON numbers as IEEE-754 doubles, which keep about 15 '
                'significant digits and magnitudes from 5e-324 to 1.7e308; this value would change on '
                'its way into the token.',
            'Store ids and exact amounts as strings, such as {"org_id": "750727362669608961"}.'];
    ELSIF kind = 'object' THEN
        FOR member IN SELECT e.key, e.value FROM jsonb_each(value) e LOOP
            violation := kinde_claims.claim_number_violation(path || '.' || member.key, member.value);
            IF violation IS NOT NULL THEN
                RETURN violation;
            END IF;
        END LOOP;
    ELSIF kind = 'array' THEN
        FOR member IN SELECT e.value FROM jsonb_array_elements(value) e LOOP
            violation := kinde_claims.claim_number_violation(path || '[' || i || ']', member.value);
            IF violation IS NOT NULL THEN
                RETURN violation;
            END IF;
            i := i + 1;
        END LOOP;
    END IF;
    RETURN NULL;
END
$$;
