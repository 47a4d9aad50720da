-- The SQL edition's copy of kKindeIssuedClaimPrefixes (src/rules/kinde_rules.cpp): a claim name
-- longer than one of these and starting with it (ASCII case ignored) is issued by Kinde too.
-- test/suites/21-hosted-rules keeps it equal to the C++ table.
CREATE OR REPLACE FUNCTION kinde_claims.rules_kinde_issued_claim_prefixes() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ARRAY['ext_', 'x-hasura-']::text[];
REVOKE ALL ON FUNCTION kinde_claims.rules_kinde_issued_claim_prefixes() FROM PUBLIC;
