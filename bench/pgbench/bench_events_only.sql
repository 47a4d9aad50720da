-- What access_token_hook.sql and claims_for_args.sql both pay to read their argument.
\set i random(1, :events)
SELECT length(k) FROM bench_events WHERE i = :i;
