-- The floor through the protocol: a bare SELECT probing the unique index on kinde_id.
\set i random(1, :size)
SELECT claims, lifetime_subscriber FROM kinde_claims.profiles WHERE kinde_id = 'kp_' || md5(:i::text);
