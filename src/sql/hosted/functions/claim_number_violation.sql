-- claim_number_violation(path text, value jsonb) RETURNS text[]: for the first number in `value`
-- (the claim `path`, at any depth, depth first in jsonb's order) that a double would change
-- (FACTS.md §7), the error as {message, detail, hint}; NULL when every number survives. The path
-- names where it sits: org_id, limits.seats, ids[2]. As claim_numbers_violation in
-- write_rules.cpp, and like it without recursion: any depth jsonb takes is walked.
CREATE OR REPLACE FUNCTION kinde_claims.claim_number_violation(path text, value jsonb) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- The values still to visit, the next one last, with their paths.
    paths text[] := ARRAY[path];
    pending jsonb[] := ARRAY[value];
    here text;
    item jsonb;
    kind text;
    arrives text;
    shown text;
    n integer;
BEGIN
    -- Most claims hold no number at all: their JSON text has no digit outside its strings. (No
    -- jsonpath .** here: it recurses, and a claim may nest as deep as jsonb allows.)
    IF jsonb_typeof(value) IN ('string', 'boolean', 'null')
       OR regexp_replace(value::text, '"(\\.|[^"\\])*"', '', 'g') !~ '[0-9]' THEN
        RETURN NULL;
    END IF;
    WHILE cardinality(pending) > 0 LOOP
        n := cardinality(pending);
        here := paths[n];
        item := pending[n];
        paths := paths[1:n - 1];
        pending := pending[1:n - 1];
        kind := jsonb_typeof(item);
        IF kind = 'number' THEN
            arrives := kinde_claims.number_arrives_as(item::text::numeric);
            IF arrives IS NOT NULL THEN
                shown := item::text::numeric::text;
                IF length(shown) > 24 THEN
                    shown := kinde_claims.js_number_text(shown);
                END IF;
                RETURN ARRAY[
                    'claim ' || kinde_claims.quote_for_message(here) || ' holds the number '
                        || kinde_claims.quote_for_message(shown) || ', which reaches the token as ' || arrives,
                    'Kinde''s workflow runtime reads JSON numbers as IEEE-754 doubles, which keep about 15 '
                        'significant digits and magnitudes from 5e-324 to 1.7e308; this value would change on '
                        'its way into the token.',
                    'Store ids and exact amounts as strings, such as {"org_id": "750727362669608961"}.'];
            END IF;
        ELSIF kind = 'object' THEN
            -- Pushed last member first, so that the first is visited next.
            SELECT paths || coalesce(array_agg(here || '.' || e.key ORDER BY e.ord DESC), '{}'),
                   pending || coalesce(array_agg(e.value ORDER BY e.ord DESC), '{}')
            INTO paths, pending
            FROM jsonb_each(item) WITH ORDINALITY AS e(key, value, ord)
            WHERE jsonb_typeof(e.value) IN ('number', 'object', 'array');
        ELSIF kind = 'array' THEN
            SELECT paths || coalesce(array_agg(here || '[' || (e.ord - 1) || ']' ORDER BY e.ord DESC), '{}'),
                   pending || coalesce(array_agg(e.value ORDER BY e.ord DESC), '{}')
            INTO paths, pending
            FROM jsonb_array_elements(item) WITH ORDINALITY AS e(value, ord)
            WHERE jsonb_typeof(e.value) IN ('number', 'object', 'array');
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.claim_number_violation(text, jsonb) FROM PUBLIC;
