-- The SQL edition's copy of kProhibitedClaims (src/rules/kinde_rules.cpp), in its order: the
-- claim names Kinde does not let a workflow set on any token. The one place the SQL edition
-- lists them; test/suites/21-hosted-rules keeps it equal to the C++ table.
CREATE OR REPLACE FUNCTION kinde_claims.rules_prohibited_claim_names() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ARRAY['act', 'aud', 'auth_time', 'azp', 'exp',
                 'iat', 'iss', 'jti', 'nbf', 'rat', 'scp', 'sid', 'sub', 'updated_at']::text[];
REVOKE ALL ON FUNCTION kinde_claims.rules_prohibited_claim_names() FROM PUBLIC;
