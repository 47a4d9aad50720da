-- is_kinde_issued_claim(name text) RETURNS boolean: whether `name` is a claim Kinde issues itself:
-- one of rules_kinde_issued_claim_names, or longer than and starting with one of
-- rules_kinde_issued_claim_prefixes, ASCII case ignored. As rules::is_kinde_issued_claim.
CREATE OR REPLACE FUNCTION kinde_claims.is_kinde_issued_claim(name text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
SELECT $1 = ANY (kinde_claims.rules_kinde_issued_claim_names()) OR EXISTS (
    SELECT FROM unnest(kinde_claims.rules_kinde_issued_claim_prefixes()) p
    WHERE octet_length($1) > octet_length(p)
      AND translate(substr($1, 1, length(p)), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
                    'abcdefghijklmnopqrstuvwxyz') = p)
$$;
REVOKE ALL ON FUNCTION kinde_claims.is_kinde_issued_claim(text) FROM PUBLIC;
