-- claims_empty(claims jsonb) RETURNS boolean: no custom claims: NULL and {} give the same token.
CREATE OR REPLACE FUNCTION kinde_claims.claims_empty(claims jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN claims IS NULL OR claims = '{}'::jsonb;
REVOKE ALL ON FUNCTION kinde_claims.claims_empty(jsonb) FROM PUBLIC;
