-- One transaction, as the migration that installs it (docs/hosted.md). Runs only on the SQL
-- edition of kinde_claims @KC_FROM@ and refuses anything else at once, changing nothing.
BEGIN;

DO $kinde_claims_guard$
DECLARE
    installed text;
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_extension e WHERE e.extname = 'kinde_claims') THEN
        RAISE EXCEPTION USING ERRCODE = '55000',
            MESSAGE = pg_catalog.format('kinde_claims %s is installed here as an extension, not as the SQL edition',
                                        (SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname = 'kinde_claims')),
            DETAIL = 'This migration upgrades the SQL edition of kinde_claims from @KC_FROM@ to @KC_VERSION@. Nothing was changed.',
            HINT = 'Upgrade the extension with ALTER EXTENSION kinde_claims UPDATE.';
    END IF;
    SELECT pg_catalog.substring(p.prosrc, '''([^'']*)''') INTO installed FROM pg_catalog.pg_proc p
     WHERE p.oid = pg_catalog.to_regprocedure('kinde_claims.sql_edition()');
    IF installed IS DISTINCT FROM '@KC_FROM@' THEN
        RAISE EXCEPTION USING ERRCODE = '55000',
            MESSAGE = CASE WHEN installed IS NULL THEN 'no SQL edition of kinde_claims is installed in this database'
                           ELSE pg_catalog.format('the SQL edition of kinde_claims %s is installed in this database', installed) END,
            DETAIL = 'This migration upgrades it from @KC_FROM@ to @KC_VERSION@ only. Nothing was changed.',
            HINT = CASE WHEN installed IS NULL THEN 'Install it with hosted/kinde_claims.sql.'
                        WHEN installed = '@KC_VERSION@' THEN 'Nothing to do: it is already this version.'
                        ELSE pg_catalog.format('Run the migration from %s first (docs/hosted.md).', installed) END;
    END IF;
END
$kinde_claims_guard$;
