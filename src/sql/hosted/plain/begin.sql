-- One transaction: the whole migration or nothing. psql -f runs it as written; Supabase's SQL
-- editor sends the text as one query, and the Supabase CLI sends a migration file's statements as
-- one implicitly transactional batch: in each, the BEGIN ... COMMIT below is that transaction,
-- and a failure anywhere leaves the database as it was (docs/hosted.md).
BEGIN;

-- Refuses at once, before anything is created, when kinde_claims is already here: as an extension
-- (the C++ edition, or the pg_tle package), as the SQL edition (its version read from
-- kinde_claims.sql_edition()'s body), or a schema kinde_claims of something else; and when public
-- already holds a function with one of the API's signatures, which CREATE OR REPLACE would replace.
DO $kinde_claims_guard$
DECLARE
    installed text;
    taken text;
BEGIN
    SELECT e.extversion INTO installed FROM pg_catalog.pg_extension e WHERE e.extname = 'kinde_claims';
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '42710',
            MESSAGE = pg_catalog.format('kinde_claims %s is already installed in this database as an extension (CREATE EXTENSION)', installed),
            DETAIL = 'This migration installs the SQL edition of kinde_claims @KC_VERSION@ where none is installed. Nothing was changed.',
            HINT = 'Upgrade the extension with ALTER EXTENSION kinde_claims UPDATE (docs/hosted.md).';
    END IF;
    IF pg_catalog.to_regnamespace('kinde_claims') IS NOT NULL THEN
        SELECT pg_catalog.substring(p.prosrc, '''([^'']*)''') INTO installed FROM pg_catalog.pg_proc p
         WHERE p.oid = pg_catalog.to_regprocedure('kinde_claims.sql_edition()');
        IF installed IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = '42710',
                MESSAGE = 'schema kinde_claims already exists, and holds no SQL edition of kinde_claims',
                DETAIL = 'Nothing was changed.',
                HINT = 'This migration creates schema kinde_claims: drop or rename the one there first.';
        END IF;
        RAISE EXCEPTION USING ERRCODE = '42710',
            MESSAGE = pg_catalog.format('the SQL edition of kinde_claims %s is already installed in this database', installed),
            DETAIL = 'This migration installs kinde_claims @KC_VERSION@ where none is installed. Nothing was changed.',
            HINT = CASE WHEN installed = '@KC_VERSION@' THEN 'Nothing to do: it is this version.'
                        ELSE pg_catalog.format('Upgrade it with hosted/kinde_claims--%s--@KC_VERSION@.sql (docs/hosted.md).', installed) END;
    END IF;
    SELECT pg_catalog.string_agg('public.' || s, ', ') INTO taken FROM pg_catalog.unnest(@KC_API@) s
     WHERE pg_catalog.to_regprocedure('public.' || s) IS NOT NULL;
    IF taken IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '42723',
            MESSAGE = pg_catalog.format('functions with kinde_claims''s API signatures already exist: %s', taken),
            DETAIL = 'The migration would replace them. Nothing was changed.',
            HINT = 'Drop or rename them first.';
    END IF;
END
$kinde_claims_guard$;
