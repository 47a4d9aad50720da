-- The tutorial's lookup: its own table, no index on kinde_id.
\set i random(1, :size)
SELECT lifetime_subscriber FROM public.profiles WHERE kinde_id = 'kp_' || md5(:i::text);
