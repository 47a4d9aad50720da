-- kinde_claims_for for a random user, its id read from bench_events by key, as
-- access_token_hook.sql reads its event.
\set i random(1, :events)
SELECT public.kinde_claims_for(k) FROM bench_events WHERE i = :i;
