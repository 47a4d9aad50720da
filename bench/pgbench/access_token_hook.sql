-- Supabase Auth's call of the custom access token hook for a random Kinde user. The event, as
-- Auth builds it (FACTS.md §11), is read from bench_events by key, so building it is not timed
-- (Auth binds it as the one parameter, hookspgfunc.go); claims_for_args.sql reads its id the same way.
\set i random(1, :events)
SELECT public.kinde_claims_access_token_hook(e) FROM bench_events WHERE i = :i;
