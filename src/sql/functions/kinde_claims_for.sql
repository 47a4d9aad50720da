-- The token path. C, no SET clause: it resolves nothing through search_path.
CREATE OR REPLACE FUNCTION @extschema@.kinde_claims_for(user_id text, org_code text DEFAULT NULL) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'kinde_claims_for'
    LANGUAGE C STABLE PARALLEL SAFE SECURITY DEFINER;
COMMENT ON FUNCTION @extschema@.kinde_claims_for(text, text) IS
    'The custom claims for a Kinde user''s access token, for the organization org_code when given; {"lifetime_subscriber": false} for an unknown user';
