-- projection_row(spec jsonb, new_row jsonb, old_row jsonb) RETURNS void: one row write of an app
-- table through a projection trigger (upsert_trigger_apply in kinde_profile_upsert_trigger.cpp):
-- the new row's key (22023 when it is not a valid id or code, naming the column) gets the row's
-- claims (and lifetime_subscriber when mapped: NULL reads as false); an old key the row no longer
-- has loses them. A NULL key belongs to no one. History source 'trigger' with the app table.
-- Under session_replication_role = replica (a trigger enabled ALWAYS) the writes run as origin,
-- so that the tables' own triggers fire; the SET clause puts the setting back. An owner that may
-- not set it (not a superuser, no GRANT SET ON PARAMETER) gets 42501 with a hint, not a write
-- that skips those triggers.
CREATE OR REPLACE FUNCTION kinde_claims.projection_row(spec jsonb, new_row jsonb, old_row jsonb) RETURNS void
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    organization boolean := (spec ->> 'organization')::boolean;
    key_column text := spec ->> 'key_column';
    new_key text := new_row ->> key_column;
    old_key text := old_row ->> key_column;
    flag boolean;
    claims jsonb;
    violation text[];
    remove_old boolean;
BEGIN
    IF new_key IS NOT NULL THEN
        violation := kinde_claims.key_violation(new_key, organization);
        IF violation IS NOT NULL THEN
            PERFORM kinde_claims.raise_violation(ARRAY[(spec ->> 'prefix') || violation[1]
                                                       || format(' in column "%s"', key_column), violation[2]]);
        END IF;
        IF spec ->> 'flag_column' IS NOT NULL THEN
            flag := COALESCE((new_row ->> (spec ->> 'flag_column'))::boolean, false);
        END IF;
        claims := kinde_claims.projected_claims(spec, new_row,
                                                CASE WHEN old_key = new_key THEN old_row END);
    END IF;
    -- An old key that is not valid can have no profile to take claims from.
    remove_old := old_key IS NOT NULL AND kinde_claims.key_violation(old_key, organization) IS NULL
                  AND old_key IS DISTINCT FROM new_key;
    IF NOT remove_old AND new_key IS NULL THEN
        RETURN;
    END IF;
    IF current_setting('session_replication_role') = 'replica' THEN
        BEGIN
            PERFORM set_config('session_replication_role', 'origin', true);
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE EXCEPTION USING ERRCODE = '42501',
                MESSAGE = (spec ->> 'prefix') || 'cannot write claims under session_replication_role = replica',
                DETAIL = format('The trigger is enabled ALWAYS, so it fires under replica, where the tables of '
                                'kinde_claims skip their own triggers, which check every write; switching to '
                                'origin for its writes needs a superuser''s right to set session_replication_role, '
                                'which %s, the owner of kinde_claims, lacks.', current_user),
                HINT = 'Write the table under session_replication_role = origin (the default), or have a superuser '
                       'run GRANT SET ON PARAMETER session_replication_role TO ' || quote_ident(current_user::text) || '.';
        END;
    END IF;
    PERFORM set_config('kinde_claims_write.source',
        jsonb_build_object('source', 'trigger', 'app_table', (spec ->> 'relid')::bigint)::text, true);
    IF remove_old THEN
        PERFORM kinde_claims.projection_write(spec, old_key, NULL, NULL);
    END IF;
    IF new_key IS NOT NULL THEN
        PERFORM kinde_claims.projection_write(spec, new_key, flag, claims);
    END IF;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.projection_row(jsonb, jsonb, jsonb) FROM PUBLIC;
