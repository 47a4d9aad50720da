-- The SQL edition's copy of kSupabaseTokenClaims (src/rules/kinde_rules.hpp): every claim
-- Supabase Auth sets or requires in its access token (FACTS.md §11), which the access token hook
-- never lets a stored claim replace. test/suites/21-hosted-rules keeps it equal.
CREATE OR REPLACE FUNCTION kinde_claims.rules_supabase_token_claim_names() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ARRAY['aal', 'amr', 'app_metadata', 'aud', 'client_id', 'email', 'exp', 'iat', 'is_anonymous',
                 'iss', 'jti', 'nbf', 'phone', 'role', 'scope', 'session_id', 'sub', 'user_metadata']::text[];
REVOKE ALL ON FUNCTION kinde_claims.rules_supabase_token_claim_names() FROM PUBLIC;
