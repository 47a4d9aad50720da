-- The C++ edition defines this setting (module.cpp, superuser-set); the SQL edition reads it with
-- current_setting(name, true) and the same default. Without the C++ module it is a placeholder
-- any session may SET (see the hosted settings note in docs).

-- setting_max_claims_bytes() RETURNS integer: kinde_claims.max_claims_bytes in bytes (4096 when
-- unset). SHOW prints it with a unit (4kB, 1MB): B, kB, MB and GB are read.
CREATE OR REPLACE FUNCTION kinde_claims.setting_max_claims_bytes() RETURNS integer
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    raw text := current_setting('kinde_claims.max_claims_bytes', true);
    parts text[];
BEGIN
    IF raw IS NULL OR raw = '' THEN
        RETURN (SELECT l.value FROM kinde_claims.rules_limits() l WHERE l.name = 'kDefaultMaxClaimsBytes');
    END IF;
    parts := regexp_match(raw, '^\s*([0-9]+)\s*(B|kB|MB|GB)?\s*$');
    IF parts IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = format('invalid value for parameter "kinde_claims.max_claims_bytes": %L', raw);
    END IF;
    RETURN parts[1]::bigint * CASE parts[2] WHEN 'kB' THEN 1024 WHEN 'MB' THEN 1048576
                                            WHEN 'GB' THEN 1073741824 ELSE 1 END;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.setting_max_claims_bytes() FROM PUBLIC;
