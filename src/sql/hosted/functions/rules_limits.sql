-- The SQL edition's copy of the limits in src/rules/kinde_rules.hpp (kKindeIdMaxChars,
-- kOrgCodeMaxChars, kClaimNameMaxChars, kDefaultMaxClaimsBytes). The id and name patterns below
-- (rules_kinde_id_pattern, ...) are built from these numbers; test/token/hosted_rules.test.mjs
-- keeps them equal to the C++ constants.
CREATE OR REPLACE FUNCTION kinde_claims.rules_limits() RETURNS TABLE (name text, value integer)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    BEGIN ATOMIC
        VALUES ('kKindeIdMaxChars', 64), ('kOrgCodeMaxChars', 64), ('kClaimNameMaxChars', 128),
               ('kDefaultMaxClaimsBytes', 4096);
    END;
REVOKE ALL ON FUNCTION kinde_claims.rules_limits() FROM PUBLIC;
