-- kinde_claims_for(user_id) as an application sends it, the id a bound parameter: the first
-- statement reads a random user's id by key (\gset), the second is the call, which
-- pg_stat_statements times apart ("SELECT public.kinde_claims_for($1)"). bench/sql-edition.
\set i random(1, :events)
SELECT k FROM bench_events WHERE i = :i \gset
SELECT public.kinde_claims_for(:k);
