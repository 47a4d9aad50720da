-- token_claims(lifetime_subscriber boolean, claims jsonb) RETURNS jsonb: the object a token
-- carries, built the same way by every function that returns it (token_claims.cpp): the claims
-- (NULL reads as {}) with lifetime_subscriber set (NULL reads as false). Inlined where called.
CREATE OR REPLACE FUNCTION kinde_claims.token_claims(lifetime_subscriber boolean, claims jsonb) RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN pg_catalog.jsonb_concat(COALESCE(claims, '{}'::pg_catalog.jsonb),
        pg_catalog.jsonb_build_object('lifetime_subscriber', COALESCE(lifetime_subscriber, false)));
REVOKE ALL ON FUNCTION kinde_claims.token_claims(boolean, jsonb) FROM PUBLIC;
