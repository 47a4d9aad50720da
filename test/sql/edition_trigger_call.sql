-- A trigger function called as a plain function, per edition (test/expected/edition_trigger_call.out
-- is the C++ edition's, test/expected/hosted/edition_trigger_call.out the SQL edition's;
-- docs/hosted.md#differences-between-the-editions): refused in both, with 39P01 by the C++
-- edition's own check and 0A000 by Postgres before a PL/pgSQL body runs; nothing is written.
CREATE EXTENSION kinde_claims;
\getenv abs_srcdir PG_ABS_SRCDIR
\set try_sql :abs_srcdir '/lib/try.sql'
\i :try_sql
SELECT pg_temp.try($$SELECT kinde_claims.profiles_before_write()$$) AS profiles_before_write;
SELECT pg_temp.try($$SELECT kinde_claims.profiles_after_write()$$) AS profiles_after_write;
SELECT count(*) AS profiles FROM kinde_claims.profiles;
DROP EXTENSION kinde_claims;
