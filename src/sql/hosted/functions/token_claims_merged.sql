-- token_claims_merged(lifetime_subscriber boolean, user_claims jsonb, organization_claims jsonb,
-- membership_claims jsonb) RETURNS jsonb: the object a token for an organization carries
-- (token_claims_build_merged in token_claims.cpp): user || organization || membership, later
-- names winning, any part NULL, {} or not an object left out, with the user's lifetime_subscriber.
CREATE OR REPLACE FUNCTION kinde_claims.token_claims_merged(lifetime_subscriber boolean, user_claims jsonb,
        organization_claims jsonb, membership_claims jsonb) RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN pg_catalog.jsonb_concat(pg_catalog.jsonb_concat(pg_catalog.jsonb_concat(
        CASE WHEN pg_catalog.jsonb_typeof(user_claims) OPERATOR(pg_catalog.=) 'object' THEN user_claims
             ELSE '{}'::pg_catalog.jsonb END,
        CASE WHEN pg_catalog.jsonb_typeof(organization_claims) OPERATOR(pg_catalog.=) 'object'
             THEN organization_claims ELSE '{}'::pg_catalog.jsonb END),
        CASE WHEN pg_catalog.jsonb_typeof(membership_claims) OPERATOR(pg_catalog.=) 'object'
             THEN membership_claims ELSE '{}'::pg_catalog.jsonb END),
        pg_catalog.jsonb_build_object('lifetime_subscriber', COALESCE(lifetime_subscriber, false)));
REVOKE ALL ON FUNCTION kinde_claims.token_claims_merged(boolean, jsonb, jsonb, jsonb) FROM PUBLIC;
