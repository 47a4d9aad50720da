-- rules_limits() RETURNS TABLE (name text, value integer): the SQL edition's copy of the limits
-- in src/rules/kinde_rules.hpp and webhook_rules.hpp, by their C++ names (characters, bytes,
-- a count, microseconds). The patterns that spell one out for speed (key_violation,
-- claim_name_violation, kinde_webhook_apply) use the same numbers; test/suites/21-hosted-rules
-- keeps all of them equal to the C++ constants.
CREATE OR REPLACE FUNCTION kinde_claims.rules_limits() RETURNS TABLE (name text, value integer)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    BEGIN ATOMIC
        VALUES ('kKindeIdMaxChars', 64), ('kOrgCodeMaxChars', 64), ('kClaimNameMaxChars', 128),
               ('kDefaultMaxClaimsBytes', 4096), ('kWebhookEventTypeMaxChars', 64),
               ('kWebhookEventIdMaxChars', 128), ('kWebhookMaxOrganizations', 1000),
               ('kWebhookMaxFutureMicros', 300000000);
    END;
REVOKE ALL ON FUNCTION kinde_claims.rules_limits() FROM PUBLIC;
