-- kinde_claims 0.3.0 -> 0.4.0: the token carries exactly, and only, what the database says.
\echo Use "ALTER EXTENSION kinde_claims UPDATE TO '0.4.0'" to load this file. \quit

-- Every version's script ends by taking default privileges off the objects it created.
SELECT kinde_claims.revoke_default_privileges();
