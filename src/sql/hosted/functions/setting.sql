-- setting(name text) RETURNS text: the SQL edition's value of the setting `name` (such as
-- 'kinde_claims.max_claims_bytes'), as kinde_claims.setting_set stored it (checked), or NULL when
-- the owner set none (the caller then uses the C++ edition's default). Read from
-- kinde_claims.settings, never from current_setting: a session's SET of the placeholder changes
-- nothing. Its callers run as the owner (the API's SECURITY DEFINER functions and triggers).
CREATE OR REPLACE FUNCTION kinde_claims.setting(name text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$SELECT s.value FROM kinde_claims.settings s WHERE s.name = $1$$;
REVOKE ALL ON FUNCTION kinde_claims.setting(text) FROM PUBLIC;
