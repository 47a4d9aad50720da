-- kinde_claims 0.8.0 -> 0.9.0: a member's token defined once, in kinde_claims.member_token.
\echo Use "ALTER EXTENSION kinde_claims UPDATE TO '0.9.0'" to load this file. \quit

-- Each function this version adds or changes: \ir ../functions/NAME.sql, the file that
-- src/sql/kinde_claims.sql includes too (add a new one there as well). Table, index and data
-- changes are written here, and the same objects in their new form in src/sql/kinde_claims.sql.

\ir ../functions/member_token.sql

-- Every version's script ends by taking default privileges off the objects it created.
SELECT kinde_claims.revoke_default_privileges();
