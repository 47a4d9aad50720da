-- Concurrent first logins through kinde_profile_upsert. The 1,000 hot ids change every second,
-- so the clients race on brand-new users for the whole run, not only in its first moment.
\set i random(1, 1000)
SELECT public.kinde_profile_upsert('kp_' || md5(floor(extract(epoch FROM clock_timestamp()))::text || ':' || :i), random() < 0.5);
