-- A column of the extension's tables gone, per edition (test/expected/edition_missing_column.out is
-- the C++ edition's, test/expected/hosted/edition_missing_column.out the SQL edition's;
-- docs/hosted.md#differences-between-the-editions): both refuse with 42703; the C++ edition's
-- message names the table that lacks it, the SQL edition's is Postgres's for its query.
CREATE EXTENSION kinde_claims;
\getenv abs_srcdir PG_ABS_SRCDIR
\set try_sql :abs_srcdir '/lib/try.sql'
\i :try_sql
SELECT kinde_membership_upsert('kp_h1', 'org_h', '{"seat": "admin"}');
BEGIN;
ALTER TABLE kinde_claims.memberships DROP COLUMN token;
SELECT pg_temp.try($$SELECT kinde_claims_for('kp_h1', 'org_h')$$);
ROLLBACK;
SELECT kinde_claims_for('kp_h1', 'org_h') AS after_rollback;
DROP EXTENSION kinde_claims;
