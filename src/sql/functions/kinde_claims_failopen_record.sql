-- A token issued without its claims does not stay that way (docs/workflow.md#fail-open-fail-closed).
-- When the token workflow's claims call fails and it fails open, Kinde caches a token without the
-- claims and nothing in Kinde changes to rebuild it. The workflow then reports the user to
-- `kinde-claims-shim serve` (it cannot write to a failing database itself), which keeps the
-- report in a file until the database answers and then calls this function: one history entry
-- per user, source 'failopen', old_claims {} (what the issued token carried), new_claims what
-- kinde_claims_for answers now. The entry is unpushed, so `sync` calls refresh_claims for the
-- user like for any other change. Reading the claims here means the entry lands only once the
-- lookup that failed can succeed (a lock still held makes this call wait and fail, and the shim
-- retries). Malformed ids are skipped and counted, never an error, so one bad entry cannot hold
-- the shim's queue; an org code that is not one is dropped and the user recorded without it.
-- Not on the token path: the token path stays read-only.
CREATE OR REPLACE FUNCTION @extschema@.kinde_claims_failopen_record(entries jsonb)
    RETURNS jsonb
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    entry jsonb;
    user_id text;
    org text;
    recorded bigint := 0;
    skipped bigint := 0;
    writer text := nullif(pg_catalog.current_setting('role'), 'none');
    jwt text;
BEGIN
    IF entries IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'entries must not be null';
    END IF;
    IF pg_catalog.jsonb_typeof(entries) <> 'array' OR pg_catalog.jsonb_array_length(entries) > 1000 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'entries must be a JSON array of at most 1000 objects';
    END IF;
    BEGIN
        jwt := pg_catalog.current_setting('request.jwt.claims', true)::jsonb ->> 'role';
    EXCEPTION WHEN OTHERS THEN
        jwt := NULL;
    END;
    FOR entry IN SELECT e FROM pg_catalog.jsonb_array_elements(entries) AS e LOOP
        user_id := CASE WHEN pg_catalog.jsonb_typeof(entry -> 'user_id') = 'string' THEN entry ->> 'user_id' END;
        IF user_id IS NULL OR user_id !~ '^kp_[A-Za-z0-9]{1,64}$' THEN
            skipped := skipped + 1;
            CONTINUE;
        END IF;
        org := CASE WHEN pg_catalog.jsonb_typeof(entry -> 'org_code') = 'string' THEN entry ->> 'org_code' END;
        IF org IS NOT NULL AND org !~ '^org_[A-Za-z0-9]{1,64}$' THEN
            org := NULL;
        END IF;
        INSERT INTO kinde_claims.claims_history (kinde_id, source, actor, jwt_role, old_claims, new_claims, org_code)
        VALUES (user_id, 'failopen', coalesce(writer, session_user), jwt, '{}'::jsonb,
                @extschema@.kinde_claims_for(user_id, org), org);
        recorded := recorded + 1;
    END LOOP;
    RETURN pg_catalog.jsonb_build_object('recorded', recorded, 'skipped', skipped);
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_claims_failopen_record(jsonb) IS
    'Records users who were issued a token without claims (the workflow failed open) as history entries (source failopen), so sync has Kinde rebuild their tokens; called by kinde-claims-shim serve';
