-- kinde_claims 0.2.0 -> 0.3.0: projection: kinde_profile_upsert_trigger() for the app's own tables, and kinde_claims_import(regclass).
\echo Use "ALTER EXTENSION kinde_claims UPDATE TO '0.3.0'" to load this file. \quit

-- Every version's script ends by taking default privileges off the objects it created.
SELECT kinde_claims.revoke_default_privileges();
