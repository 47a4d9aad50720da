-- merged_size_check(kinde_id text, org_code text, bytes bigint) RETURNS void: raises 22023 when
-- the largest merged token found, `bytes` for (kinde_id, org_code), passes
-- kinde_claims.max_claims_bytes (refuse_if_too_large in organizations.cpp); NULL bytes (no
-- membership found) passes.
CREATE OR REPLACE FUNCTION kinde_claims.merged_size_check(kinde_id text, org_code text, bytes bigint) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    limit_bytes integer := kinde_claims.setting_max_claims_bytes();
BEGIN
    IF bytes IS NULL OR bytes <= limit_bytes THEN
        RETURN;
    END IF;
    RAISE EXCEPTION USING ERRCODE = '22023',
        MESSAGE = 'claims are too large for the token of ' || kinde_id || ' in ' || org_code || ': '
                  || bytes || ' bytes',
        DETAIL = 'A token for an organization carries the user''s, the organization''s and the '
                 'membership''s claims together; their sizes add up to ' || bytes
                 || ' bytes and the limit is ' || limit_bytes || ' bytes (kinde_claims.max_claims_bytes).',
        HINT = 'Make one of the three smaller; an organization''s claims reach every member.';
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.merged_size_check(text, text, bigint) FROM PUBLIC;
