-- Reads a data set into shared_buffers, so every size is measured from a warm cache: a bulk
-- load leaves most pages only in the OS cache (it writes through a small ring of buffers).
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_prewarm;
SELECT pg_prewarm('kinde_claims.profiles'), pg_prewarm('kinde_claims.profiles_kinde_id_key'),
       pg_prewarm('public.profiles'), pg_prewarm('bench.ids');
