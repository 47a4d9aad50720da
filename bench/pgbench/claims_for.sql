-- The token path: one kinde_claims_for call for a random existing user.
\set i random(1, :size)
SELECT public.kinde_claims_for('kp_' || md5(:i::text));
