-- The SQL edition's copy of kKindeIssuedClaims (src/rules/kinde_rules.cpp), in its order: the
-- claim names Kinde issues itself (FACTS.md §6), refused unless kinde_claims.allowed_kinde_claims
-- allows them. test/suites/21-hosted-rules keeps it equal to the C++ table.
CREATE OR REPLACE FUNCTION kinde_claims.rules_kinde_issued_claim_names() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ARRAY['permissions', 'roles', 'org_code',
                 'org_name', 'feature_flags', 'email', 'external_organization_id', 'application_properties',
                 'organization_properties', 'user_properties', 'has_trial_period', 'trial_expires_on', 'at_hash', 'name',
                 'given_name', 'family_name', 'picture', 'org_codes', 'provided_id', 'https://hasura.io/jwt/claims']::text[];
REVOKE ALL ON FUNCTION kinde_claims.rules_kinde_issued_claim_names() FROM PUBLIC;
