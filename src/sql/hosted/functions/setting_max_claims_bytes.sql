-- setting_max_claims_bytes() RETURNS integer: the owner's kinde_claims.max_claims_bytes in bytes
-- (kinde_claims.setting, stored in bytes by kinde_claims.setting_set), or the C++ edition's default
-- (rules_limits' kDefaultMaxClaimsBytes, 4096) when none is set. A session's SET of the
-- placeholder kinde_claims.max_claims_bytes changes nothing here.
CREATE OR REPLACE FUNCTION kinde_claims.setting_max_claims_bytes() RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
SELECT coalesce(kinde_claims.setting('kinde_claims.max_claims_bytes')::integer,
                (SELECT l.value FROM kinde_claims.rules_limits() l WHERE l.name = 'kDefaultMaxClaimsBytes'))
$$;
REVOKE ALL ON FUNCTION kinde_claims.setting_max_claims_bytes() FROM PUBLIC;
