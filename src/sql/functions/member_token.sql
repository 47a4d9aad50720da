-- A member's token: the object kinde_claims_for returns for a user in an organization the user is
-- a member of. The user's claims, then the organization's, then the membership's (a later part's
-- claim of the same name wins), then lifetime_subscriber, the user's (NULL, no profile: false).
-- A NULL user or organization part reads as {}; a NULL membership_claims means no membership:
-- the user's own token, without the organization's claims (they reach only its members).
-- The one definition of the merge: every statement that stores, checks or records a member's
-- token calls it (src/extension/member_tokens.cpp), and kinde_claims_for's merge of a row with
-- no stored token (token_claims_build_merged, in C++) gives the same object: the regression test
-- organization_tokens checks both after every write path.
-- One expression, IMMUTABLE, no SET clause: the planner inlines it into each statement, so it
-- costs no call per row; written as a SQL-standard body, its operators are bound when it is
-- created, never looked up in a caller's search_path. Internal: only the tables' owner, who runs
-- those statements, may call it.
CREATE OR REPLACE FUNCTION kinde_claims.member_token(user_claims jsonb, subscriber boolean, org_claims jsonb,
                                                     membership_claims jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN membership_claims IS NULL THEN COALESCE(user_claims, '{}'::pg_catalog.jsonb)
                ELSE COALESCE(user_claims, '{}'::pg_catalog.jsonb) OPERATOR(pg_catalog.||)
                     COALESCE(org_claims, '{}'::pg_catalog.jsonb) OPERATOR(pg_catalog.||) membership_claims
           END OPERATOR(pg_catalog.||)
           CASE WHEN subscriber THEN '{"lifetime_subscriber": true}'::pg_catalog.jsonb
                ELSE '{"lifetime_subscriber": false}'::pg_catalog.jsonb END;
COMMENT ON FUNCTION kinde_claims.member_token(jsonb, boolean, jsonb, jsonb) IS
    'A member''s token: user || organization || membership claims, then lifetime_subscriber (internal)';
