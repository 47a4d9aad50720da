-- The tutorial's first login: look the user up, insert a profile if none was found
-- (two round trips, as its app route does), on the same rotating 1,000 hot ids.
\set i random(1, 1000)
SELECT 'kp_' || md5(floor(extract(epoch FROM clock_timestamp()))::text || ':' || :i) AS kid \gset
SELECT count(*) AS found FROM public.profiles WHERE kinde_id = :kid \gset
\if :found = 0
INSERT INTO public.profiles (kinde_id, lifetime_subscriber) VALUES (:kid, false);
\endif
