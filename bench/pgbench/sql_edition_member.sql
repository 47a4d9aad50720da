-- kinde_claims_for(user_id, org_code) for a random member, as sql_edition_user.sql calls it for
-- the user alone: both arguments bound parameters, read first by a statement of their own.
\set i random(1, :events)
SELECT k, o FROM bench_events WHERE i = :i \gset
SELECT public.kinde_claims_for(:k, :o);
