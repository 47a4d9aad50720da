-- claim_number_violation(path text, value jsonb) RETURNS text[]: for the first number in `value`
-- (the claim `path`, at any depth, depth first in jsonb's order) that a double would change
-- (FACTS.md §7), the error as {message, detail, hint}; NULL when every number survives. The path
-- names where it sits: org_id, limits.seats, ids[2]. As claim_numbers_violation in
-- write_rules.cpp, and like it without recursion: any depth jsonb takes is walked.
-- Linear in the value's size: one set-based pass per level of nesting finds whether any number
-- fails (most values: none), and only then a depth-first walk finds the first one and its path,
-- with a stack whose elements are set in place (never copied whole) and the path joined from one
-- step per level only for the number reported.
CREATE OR REPLACE FUNCTION kinde_claims.claim_number_violation(path text, value jsonb) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- The values of one level of nesting (the numbers and containers among them).
    level jsonb[] := ARRAY[value];
    failing boolean := false;
    -- The walk's stack, the next value on top: the value, its step from its container ('.key' or
    -- '[i]') and its depth (the root: 1, with no step). steps[d] is the step at depth d of the
    -- value being visited.
    stack_values jsonb[];
    stack_steps text[];
    stack_depths integer[];
    top integer;
    steps text[];
    depth integer;
    item jsonb;
    child record;
    kind text;
    arrives text;
    shown text;
BEGIN
    -- Most claims hold no number at all: their JSON text has no digit outside its strings. (No
    -- jsonpath .** here: it recurses, and a claim may nest as deep as jsonb allows.)
    IF jsonb_typeof(value) IN ('string', 'boolean', 'null')
       OR regexp_replace(value::text, '"(\\.|[^"\\])*"', '', 'g') !~ '[0-9]' THEN
        RETURN NULL;
    END IF;
    -- Whether any number fails, a level at a time. An integer of at most 15 digits is exact in a
    -- double: no call for it.
    WHILE NOT failing AND cardinality(level) > 0 LOOP
        SELECT coalesce(bool_or(kinde_claims.number_arrives_as(l.item::text::numeric) IS NOT NULL), false)
        INTO failing
        FROM unnest(level) AS l(item)
        WHERE jsonb_typeof(l.item) = 'number' AND l.item::text !~ '^-?[0-9]{1,15}$';
        SELECT array_agg(c.item) INTO level
        FROM (SELECT e.value AS item
              FROM unnest(level) AS l(item), jsonb_array_elements(l.item) AS e(value)
              WHERE jsonb_typeof(l.item) = 'array'
              UNION ALL
              SELECT e.value
              FROM unnest(level) AS l(item), jsonb_each(l.item) AS e(key, value)
              WHERE jsonb_typeof(l.item) = 'object') AS c
        WHERE jsonb_typeof(c.item) IN ('number', 'object', 'array');
    END LOOP;
    IF NOT failing THEN
        RETURN NULL;
    END IF;
    -- The first failing number in jsonb's order, and its path.
    stack_values := ARRAY[value];
    stack_steps := ARRAY[''];
    stack_depths := ARRAY[1];
    top := 1;
    steps := ARRAY[]::text[];
    WHILE top > 0 LOOP
        item := stack_values[top];
        depth := stack_depths[top];
        steps[depth] := stack_steps[top];
        stack_values[top] := NULL;
        top := top - 1;
        kind := jsonb_typeof(item);
        IF kind = 'number' THEN
            arrives := kinde_claims.number_arrives_as(item::text::numeric);
            IF arrives IS NOT NULL THEN
                shown := item::text::numeric::text;
                IF length(shown) > 24 THEN
                    shown := kinde_claims.js_number_text(shown);
                END IF;
                RETURN ARRAY[
                    'claim ' || kinde_claims.quote_for_message(path || array_to_string(steps[1:depth], ''))
                        || ' holds the number ' || kinde_claims.quote_for_message(shown)
                        || ', which reaches the token as ' || arrives,
                    'Kinde''s workflow runtime reads JSON numbers as IEEE-754 doubles, which keep about 15 '
                        'significant digits and magnitudes from 5e-324 to 1.7e308; this value would change on '
                        'its way into the token.',
                    'Store ids and exact amounts as strings, such as {"org_id": "750727362669608961"}.'];
            END IF;
        ELSIF kind IN ('object', 'array') THEN
            -- Pushed last member first, so that the first is visited next.
            FOR child IN
                SELECT '.' || e.key AS step, e.value, e.ord
                FROM jsonb_each(item) WITH ORDINALITY AS e(key, value, ord)
                WHERE kind = 'object' AND jsonb_typeof(e.value) IN ('number', 'object', 'array')
                UNION ALL
                SELECT '[' || (e.ord - 1) || ']', e.value, e.ord
                FROM jsonb_array_elements(item) WITH ORDINALITY AS e(value, ord)
                WHERE kind = 'array' AND jsonb_typeof(e.value) IN ('number', 'object', 'array')
                ORDER BY ord DESC
            LOOP
                top := top + 1;
                stack_values[top] := child.value;
                stack_steps[top] := child.step;
                stack_depths[top] := depth + 1;
            END LOOP;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.claim_number_violation(text, jsonb) FROM PUBLIC;
