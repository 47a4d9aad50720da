-- kinde_issued_claims_list() RETURNS text: the claims Kinde issues, for messages: the names, then
-- each prefix followed by '*', comma-separated. As rules::kinde_issued_claims_list.
CREATE OR REPLACE FUNCTION kinde_claims.kinde_issued_claims_list() RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
SELECT array_to_string(kinde_claims.rules_kinde_issued_claim_names(), ', ') || ', '
    || (SELECT string_agg(p || '*', ', ' ORDER BY o)
        FROM unnest(kinde_claims.rules_kinde_issued_claim_prefixes()) WITH ORDINALITY AS x(p, o))
$$;
REVOKE ALL ON FUNCTION kinde_claims.kinde_issued_claims_list() FROM PUBLIC;
