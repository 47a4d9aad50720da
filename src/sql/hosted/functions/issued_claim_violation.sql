-- issued_claim_violation(name text) RETURNS text[]: when `name` is a claim Kinde issues
-- itself (rules_kinde_issued_claim_names, or longer than and starting with one of
-- rules_kinde_issued_claim_prefixes, ASCII case ignored) and kinde_claims.allowed_kinde_claims
-- (comma-separated, spaces and tabs around names ignored) does not allow it, the error as
-- {message, detail, hint}; else NULL. As rules::check_kinde_issued_claim.
CREATE OR REPLACE FUNCTION kinde_claims.issued_claim_violation(name text) RETURNS text[]
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    names text[] := kinde_claims.rules_kinde_issued_claim_names();
    prefixes text[] := kinde_claims.rules_kinde_issued_claim_prefixes();
    allowed text := current_setting('kinde_claims.allowed_kinde_claims', true);
BEGIN
    IF NOT (name = ANY (names) OR EXISTS (
            SELECT FROM unnest(prefixes) p
            WHERE octet_length(name) > octet_length(p)
              AND translate(substr(name, 1, length(p)), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
                            'abcdefghijklmnopqrstuvwxyz') = p)) THEN
        RETURN NULL;
    END IF;
    IF coalesce(allowed, '') <> '' AND name = ANY (
            SELECT btrim(entry, E' \t') FROM unnest(string_to_array(allowed, ',')) entry) THEN
        RETURN NULL;
    END IF;
    RETURN ARRAY[
        'claim ' || kinde_claims.quote_for_message(name) || ' is issued by Kinde itself',
        'A custom claim of this name replaces Kinde''s own value in the token, which could grant '
            'API permissions, move the token into another organization or change the user''s '
            'identity. Kinde issues: ' || array_to_string(names, ', ') || ', '
            || (SELECT string_agg(p || '*', ', ' ORDER BY o) FROM unnest(prefixes) WITH ORDINALITY AS x(p, o))
            || '.',
        'Use a name of your own, such as ' || kinde_claims.quote_for_message('app_' || name)
            || '; a superuser can allow this name with kinde_claims.allowed_kinde_claims.'];
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.issued_claim_violation(text) FROM PUBLIC;
