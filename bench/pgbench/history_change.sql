-- Every call changes what an existing user's token carries (a new "seats" among a million), so
-- from 0.5.0 on every call adds a claims history entry: the history's worst case.
\set i random(1, :size)
\set seats random(1, 1000000)
SELECT public.kinde_profile_upsert('kp_' || md5(:i::text), NULL, jsonb_build_object('seats', :seats::int));
