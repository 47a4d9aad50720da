-- Shared by the regression tests that check each membership's stored token, loaded after
-- CREATE EXTENSION kinde_claims (0.9.0 or later: pg_temp.stale calls kinde_claims.member_token) with:
--   \getenv abs_srcdir PG_ABS_SRCDIR
--   \set member_tokens_sql :abs_srcdir '/lib/member_tokens.sql'
--   \i :member_tokens_sql
-- pg_temp.stale(): the members whose stored token or kinde_claims_for answer differs from the rule.
-- pg_temp.cpp_differs(): how many stored tokens differ from kinde_claims_for's merge of a row with
-- no stored token (a count; all changes rolled back).
-- pg_temp.check(what): one line, "what: N members, N not stored, N stale, N unlike the C++ merge".
-- The merge, recomputed from the three tables, and what each member's token path returns.
CREATE FUNCTION pg_temp.stale() RETURNS TABLE (kinde_id text, org_code text, token jsonb, merged jsonb)
    LANGUAGE sql AS $$
    SELECT m.kinde_id, m.org_code, m.token, t.merged
    FROM kinde_claims.memberships m
    LEFT JOIN kinde_claims.profiles p ON p.kinde_id = m.kinde_id
    LEFT JOIN kinde_claims.organizations o ON o.org_code = m.org_code,
    LATERAL (SELECT kinde_claims.member_token(p.claims, p.lifetime_subscriber, o.claims, m.claims) AS merged) t
    -- Compared as text: the token path returns the stored bytes ({"n": 1.0} is not {"n": 1}).
    -- A NULL token is not stored (counted apart); what the token path returns must match anyway.
    WHERE (m.token IS NOT NULL AND m.token::text IS DISTINCT FROM t.merged::text)
       OR kinde_claims_for(m.kinde_id, m.org_code)::text IS DISTINCT FROM t.merged::text
    ORDER BY 1, 2
$$;
-- How many stored tokens differ from what kinde_claims_for's C++ merge gives for the same rows:
-- every token set to NULL (past the triggers), read, and all of it rolled back.
CREATE FUNCTION pg_temp.cpp_differs() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    differ bigint;
BEGIN
    BEGIN
        CREATE TEMP TABLE stored_tokens AS
            SELECT m.kinde_id, m.org_code, m.token FROM kinde_claims.memberships m WHERE m.token IS NOT NULL;
        PERFORM set_config('session_replication_role', 'replica', true);
        UPDATE kinde_claims.memberships SET token = NULL;
        PERFORM set_config('session_replication_role', 'origin', true);
        SELECT count(*) INTO differ FROM stored_tokens s
        WHERE s.token::text IS DISTINCT FROM kinde_claims_for(s.kinde_id, s.org_code)::text;
        RAISE EXCEPTION 'undo';
    EXCEPTION WHEN raise_exception THEN
        NULL;  -- the block's changes are rolled back; differ keeps its count
    END;
    RETURN differ;
END
$$;
CREATE FUNCTION pg_temp.check(what text) RETURNS text LANGUAGE sql AS $$
    SELECT what || ': ' || (SELECT count(*) FROM kinde_claims.memberships) || ' members, '
           || (SELECT count(*) FROM kinde_claims.memberships WHERE token IS NULL) || ' not stored, '
           || (SELECT count(*) FROM pg_temp.stale()) || ' stale, '
           || pg_temp.cpp_differs() || ' unlike the C++ merge'
$$;

