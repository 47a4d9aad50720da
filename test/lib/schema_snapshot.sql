-- Prints the content of every table and sequence in schema kinde_claims, one line each:
-- name, row count and an md5 of every row's text in a fixed order. Generic on purpose, so tables
-- added by later versions (webhook dedupe, ...) are compared without naming them.
-- Used by the backup and upgrade suites: psql -X -A -t -f schema_snapshot.sql
SELECT format('SELECT %L, count(*), md5(coalesce(string_agg(t::text, E''\n'' ORDER BY t::text), '''')) FROM %s t',
              c.oid::regclass::text, c.oid::regclass)
FROM pg_class c
WHERE c.relnamespace = 'kinde_claims'::regnamespace AND c.relkind IN ('r', 'p')
ORDER BY c.relname
\gexec
SELECT format('SELECT %L, last_value, is_called FROM %s', c.oid::regclass::text, c.oid::regclass)
FROM pg_class c
WHERE c.relnamespace = 'kinde_claims'::regnamespace AND c.relkind = 'S'
ORDER BY c.relname
\gexec
