-- The claims history's lease columns arriving by upgrade (claims_feed_lease.sql has the lease
-- itself): the update from 0.6.0 takes pushed_at's statistics away, and ANALYZE no longer takes
-- them. The C++ edition's upgrade history: test/hosted/run-regress does not run upgrade_* tests on
-- the SQL edition, which begins at 0.8.0.
-- The update from 0.6.0 takes pushed_at's statistics away, and ANALYZE no longer takes them.
CREATE EXTENSION kinde_claims VERSION '0.6.0';
SELECT kinde_profile_upsert('kp_update', true) IS NOT NULL AS wrote;
ANALYZE kinde_claims.claims_history;
SELECT attname FROM pg_stats WHERE schemaname = 'kinde_claims' AND tablename = 'claims_history'
  AND attname IN ('pushed_at', 'leased_until') ORDER BY attname;
ALTER EXTENSION kinde_claims UPDATE TO '0.7.0';
SELECT attname FROM pg_stats WHERE schemaname = 'kinde_claims' AND tablename = 'claims_history'
  AND attname IN ('pushed_at', 'leased_until') ORDER BY attname;
ANALYZE kinde_claims.claims_history;
SELECT attname FROM pg_stats WHERE schemaname = 'kinde_claims' AND tablename = 'claims_history'
  AND attname IN ('pushed_at', 'leased_until') ORDER BY attname;
DROP EXTENSION kinde_claims;
