-- Per-call server cost inside one statement: kinde_claims_for against what a user would write by
-- hand, and against the floor (a join probing the unique index, no JSON built).
\set ON_ERROR_STOP on

-- The hand-written equivalents, at their fastest: no SECURITY DEFINER, no SET clause, so the
-- LANGUAGE sql one is inlined by the planner into a correlated subquery.
CREATE OR REPLACE FUNCTION bench.claims_plpgsql(user_id text) RETURNS jsonb
    LANGUAGE plpgsql STABLE AS $$
DECLARE
    profile record;
BEGIN
    SELECT p.claims, p.lifetime_subscriber INTO profile
    FROM kinde_claims.profiles p WHERE p.kinde_id = user_id;
    IF NOT FOUND THEN
        RETURN '{"lifetime_subscriber": false}'::jsonb;
    END IF;
    RETURN profile.claims || jsonb_build_object('lifetime_subscriber', profile.lifetime_subscriber);
END
$$;

CREATE OR REPLACE FUNCTION bench.claims_sql(user_id text) RETURNS jsonb
    LANGUAGE sql STABLE AS $$
SELECT coalesce((SELECT p.claims || jsonb_build_object('lifetime_subscriber', p.lifetime_subscriber)
                 FROM kinde_claims.profiles p WHERE p.kinde_id = user_id),
                '{"lifetime_subscriber": false}'::jsonb)
$$;

CREATE OR REPLACE FUNCTION bench.elapsed_ms(query text) RETURNS float8
    LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz := clock_timestamp();
BEGIN
    EXECUTE query;
    RETURN extract(epoch FROM clock_timestamp() - started) * 1000;
END
$$;

-- Best of :runs for each variant, run round-robin so that a noisy moment hurts all alike.
-- The floor is forced onto a nested loop (one index probe per id, like the functions do), and
-- nothing runs in parallel.
CREATE OR REPLACE FUNCTION bench.per_call(runs int)
    RETURNS TABLE (variant text, best_ms float8)
    LANGUAGE plpgsql
    SET enable_hashjoin = off SET enable_mergejoin = off SET enable_memoize = off
    SET max_parallel_workers_per_gather = 0 SET jit = off
AS $$
DECLARE
    queries text[][] := ARRAY[
        ['scan', 'SELECT count(kinde_id) FROM bench.ids'],
        ['floor', 'SELECT count(p.claims) FROM bench.ids i JOIN kinde_claims.profiles p ON p.kinde_id = i.kinde_id'],
        ['kinde_claims_for', 'SELECT count(public.kinde_claims_for(kinde_id)) FROM bench.ids'],
        ['plpgsql', 'SELECT count(bench.claims_plpgsql(kinde_id)) FROM bench.ids'],
        ['sql', 'SELECT count(bench.claims_sql(kinde_id)) FROM bench.ids']];
    best float8[] := array_fill('Infinity'::float8, ARRAY[array_length(queries, 1)]);
    q int;
BEGIN
    FOR run IN 1..runs LOOP
        FOR q IN 1..array_length(queries, 1) LOOP
            best[q] := least(best[q], bench.elapsed_ms(queries[q][2]));
        END LOOP;
    END LOOP;
    FOR q IN 1..array_length(queries, 1) LOOP
        variant := queries[q][1];
        best_ms := best[q];
        RETURN NEXT;
    END LOOP;
END
$$;

-- All three must give the same token for every id, or the comparison means nothing.
DO $$
DECLARE
    differing bigint;
BEGIN
    SELECT count(*) INTO differing FROM bench.ids
    WHERE public.kinde_claims_for(kinde_id) IS DISTINCT FROM bench.claims_plpgsql(kinde_id)
       OR public.kinde_claims_for(kinde_id) IS DISTINCT FROM bench.claims_sql(kinde_id);
    IF differing > 0 OR public.kinde_claims_for('kp_nobody') IS DISTINCT FROM bench.claims_plpgsql('kp_nobody') THEN
        RAISE EXCEPTION 'the hand-written functions return different tokens for % ids', differing;
    END IF;
END
$$;

\pset format unaligned
\pset tuples_only on
\pset fieldsep ' '
SELECT variant, round(best_ms::numeric, 3) FROM bench.per_call(:runs);
