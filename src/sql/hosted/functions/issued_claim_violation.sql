-- issued_claim_violation(name text) RETURNS text[]: when `name` is a claim Kinde issues
-- itself (is_kinde_issued_claim) and the owner's kinde_claims.allowed_kinde_claims
-- (kinde_claims.setting: comma-separated, spaces and tabs around names ignored; read only for
-- such a name) does not allow it, the error as {message, detail, hint}; else NULL. As
-- rules::check_kinde_issued_claim.
CREATE OR REPLACE FUNCTION kinde_claims.issued_claim_violation(name text) RETURNS text[]
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    allowed text;
BEGIN
    IF NOT kinde_claims.is_kinde_issued_claim(name) THEN
        RETURN NULL;
    END IF;
    allowed := kinde_claims.setting('kinde_claims.allowed_kinde_claims');
    IF coalesce(allowed, '') <> '' AND name = ANY (
            SELECT btrim(entry, E' \t') FROM unnest(string_to_array(allowed, ',')) entry) THEN
        RETURN NULL;
    END IF;
    RETURN ARRAY[
        'claim ' || kinde_claims.quote_for_message(name) || ' is issued by Kinde itself',
        'A custom claim of this name replaces Kinde''s own value in the token, which could grant '
            'API permissions, move the token into another organization or change the user''s '
            'identity. Kinde issues: ' || kinde_claims.kinde_issued_claims_list() || '.',
        'Use a name of your own, such as ' || kinde_claims.quote_for_message('app_' || name)
            || '; the database''s administrator can allow this name with the setting kinde_claims.allowed_kinde_claims.'];
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.issued_claim_violation(text) FROM PUBLIC;
