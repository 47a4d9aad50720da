-- The token path for an organization: kinde_claims_for(user, org) for a random existing member
-- (bench/organizations loads user i into organization i % :orgs).
\set i random(1, :size)
\set o :i % :orgs
SELECT public.kinde_claims_for('kp_' || md5(:i::text), 'org_' || :o);
