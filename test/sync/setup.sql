-- The sync end-to-end database: the shim's roles (test/shim/setup.sql), plus the role `sync`
-- calls the feed as, granted exactly what the README tells an operator to grant it.
-- Run as a superuser after test/shim/setup.sql.
\set ON_ERROR_STOP on

CREATE ROLE kinde_sync NOLOGIN NOINHERIT;
GRANT kinde_sync TO authenticator;
GRANT USAGE ON SCHEMA public TO kinde_sync;
GRANT EXECUTE ON FUNCTION kinde_claims_changes_lease(text, integer, integer),
                          kinde_claims_changes_done(bigint, text, text, integer),
                          kinde_claims_changes_lag() TO kinde_sync;
