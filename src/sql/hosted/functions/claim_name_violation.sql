-- claim_name_violation(name text) RETURNS text[]: the error {message, detail, hint} for a
-- top-level claim name that breaks rules::check_claim_name (1 to 128 bytes of [A-Za-z0-9_.:/-],
-- not lifetime_subscriber, none of rules_prohibited_claim_names), else NULL.
CREATE OR REPLACE FUNCTION kinde_claims.claim_name_violation(name text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF octet_length(name) > 128 OR name COLLATE "C" !~ '^[A-Za-z0-9_.:/-]+$' THEN
        RETURN ARRAY['invalid claim name ' || kinde_claims.quote_for_message(name),
                     'A claim name is 1 to 128 characters of A-Z, a-z, 0-9, "_", ".", ":", "/" and "-".'];
    END IF;
    IF name = 'lifetime_subscriber' THEN
        RETURN ARRAY['claim "lifetime_subscriber" cannot be set inside claims',
                     'lifetime_subscriber has a column of its own.',
                     'Pass it as the lifetime_subscriber argument or column.'];
    END IF;
    IF name = ANY (kinde_claims.rules_prohibited_claim_names()) THEN
        RETURN ARRAY['claim ' || kinde_claims.quote_for_message(name) || ' is reserved by Kinde',
                     'A workflow may not set these claims: '
                         || array_to_string(kinde_claims.rules_prohibited_claim_names(), ', ') || '.'];
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.claim_name_violation(text) FROM PUBLIC;
