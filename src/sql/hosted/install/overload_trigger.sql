-- The overload guard in the SQL edition (both forms: the plain migration and pg_tle's). CREATE
-- EVENT TRIGGER is a superuser's statement in Postgres. Hosted Supabase lets its privileged role
-- `postgres` make one through supautils, which creates it as the superuser and makes `postgres`
-- its owner; such a trigger does not fire for superusers and Supabase's reserved roles (FACTS.md
-- §14). RDS, Cloud SQL, Neon and Azure give their owner no such path: there the install goes on
-- without the guard and says so (docs/hosted.md). NOTICE from the plain migration; WARNING inside
-- CREATE EXTENSION (pg_tle), whose script runs with client_min_messages raised to WARNING.
DO $$
BEGIN
\ir ../../install/overload_trigger.sql
EXCEPTION WHEN insufficient_privilege THEN
    IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'kinde_claims') THEN
        RAISE WARNING 'kinde_claims: the overload guard is not installed: role % may not create event triggers', current_user
            USING DETAIL = 'A routine named like an API function (event trigger kinde_claims_refuse_api_overloads) is not refused.',
                  HINT = 'Install as Supabase''s postgres role or a superuser to get it; see docs/hosted.md.';
    ELSE
        RAISE NOTICE 'kinde_claims: the overload guard is not installed: role % may not create event triggers', current_user
            USING DETAIL = 'A routine named like an API function (event trigger kinde_claims_refuse_api_overloads) is not refused.',
                  HINT = 'Install as Supabase''s postgres role or a superuser to get it; see docs/hosted.md.';
    END IF;
END
$$;
