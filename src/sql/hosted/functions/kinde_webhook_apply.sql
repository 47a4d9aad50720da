-- kinde_webhook_apply(event jsonb) RETURNS jsonb: one verified Kinde webhook event, applied in the
-- caller's transaction (kinde_webhook_apply.cpp); the shim makes exactly one such call per webhook.
-- - The event_id is recorded first; a second delivery of the same event changes nothing.
-- - Each user's (and organization's) newest applied event time is kept, and whether that event
--   deleted it: an older event is stale, and nothing after a deletion brings it back.
-- - user.created and user.updated make sure the profile exists; user.deleted removes it and its
--   memberships; organization.created/updated make sure the organization exists,
--   organization.deleted removes it and its memberships; any other type is recorded and ignored.
-- - A user event's data.user.organizations (when present and not null) is the user's
--   memberships: one for each listed organization not deleted, none for any other; more than
--   1,000 listed is refused. Claims come from the app, never from a webhook.
-- - An event dated more than 5 minutes ahead of this server's clock is neither applied nor
--   recorded ("future"): the shim answers so that Kinde delivers it again later.
-- Returns {"result": applied|duplicate|ignored|stale|future, "kinde_id", "event_id"} with
-- "profile" (created, exists, deleted, absent) for an applied user event, "org_code" for an
-- organization event and "organization" for an applied one. Raises 22004 for NULL and 22023 for
-- an event that is not a Kinde webhook event (what is missing or malformed is named). History
-- source 'webhook' with the event_id.
CREATE OR REPLACE FUNCTION @extschema@.kinde_webhook_apply(event jsonb) RETURNS jsonb
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    type text;
    event_id text;
    event_time timestamptz;
    org_code text;
    user_id text;
    organizations text[];
    list jsonb;
    user_object jsonb;
    action text;            -- create_profile, update_profile, delete_profile, ignore
    organization_action text;  -- ensure_organization, delete_organization, none
    result text;
    profile text;
    organization text;
    rows bigint;
    outer_source text := current_setting('kinde_claims_write.source', true);  -- put back at the end (history_context)
BEGIN
    IF event IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'webhook event must not be null';
    END IF;
    IF jsonb_typeof(event) <> 'object' THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'webhook event must be a JSON object',
            DETAIL = 'kinde_webhook_apply takes the decoded payload of a Kinde webhook, such as '
                     '{"type": "user.created", "event_id": "event_...", "timestamp": "...", "data": '
                     '{"user": {"id": "kp_..."}}}.';
    END IF;

    IF jsonb_typeof(event -> 'type') IS DISTINCT FROM 'string' THEN
        PERFORM kinde_claims.webhook_field_missing('type', 'its event type as a string, such as user.created');
    END IF;
    type := event ->> 'type';
    IF type COLLATE "C" !~ '^[A-Za-z0-9_.]{1,64}$' THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = 'invalid webhook event type ' || kinde_claims.quote_for_message(type),
            DETAIL = 'An event type is 1 to 64 characters of A-Z, a-z, 0-9, "_" and ".", such as user.created.';
    END IF;
    action := CASE type WHEN 'user.created' THEN 'create_profile' WHEN 'user.updated' THEN 'update_profile'
                        WHEN 'user.deleted' THEN 'delete_profile' ELSE 'ignore' END;
    organization_action := CASE WHEN type IN ('organization.created', 'organization.updated') THEN 'ensure_organization'
                                WHEN type = 'organization.deleted' THEN 'delete_organization' ELSE 'none' END;

    IF jsonb_typeof(event -> 'event_id') IS DISTINCT FROM 'string' THEN
        PERFORM kinde_claims.webhook_field_missing('event_id', 'its event id as a string, such as event_0123abcd');
    END IF;
    event_id := event ->> 'event_id';
    IF event_id COLLATE "C" !~ '^[A-Za-z0-9_.:-]{1,128}$' THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = 'invalid webhook event_id ' || kinde_claims.quote_for_message(event_id),
            DETAIL = 'An event_id is 1 to 128 characters of A-Z, a-z, 0-9, "_", ".", ":" and "-", such as '
                     'event_018f331a3178f7fef284b95fe6770384.';
    END IF;

    IF jsonb_typeof(event -> 'timestamp') IS DISTINCT FROM 'string' THEN
        PERFORM kinde_claims.webhook_field_missing('timestamp',
            'the time of the event as an ISO 8601 string with a UTC offset');
    END IF;
    event_time := kinde_claims.webhook_timestamp(event ->> 'timestamp');

    IF organization_action <> 'none' THEN
        IF jsonb_typeof(event #> '{data,organization,code}') IS DISTINCT FROM 'string'
           OR jsonb_typeof(event -> 'data') <> 'object' OR jsonb_typeof(event #> '{data,organization}') <> 'object' THEN
            PERFORM kinde_claims.webhook_field_missing('data.organization.code', 'the organization''s code as a string');
        END IF;
        org_code := kinde_claims.org_code_check(event #>> '{data,organization,code}');
    END IF;

    -- A user event must name its user; another event may, and is kept with the id when it does.
    IF jsonb_typeof(event -> 'data') = 'object' AND jsonb_typeof(event #> '{data,user}') = 'object' THEN
        user_object := event #> '{data,user}';
    END IF;
    IF jsonb_typeof(user_object -> 'id') = 'string' THEN
        user_id := kinde_claims.user_id_check(user_object ->> 'id');
    ELSIF action <> 'ignore' THEN
        PERFORM kinde_claims.webhook_field_missing('data.user.id', 'the user''s Kinde id as a string');
    END IF;
    -- A null list is read as no list, as the shim reads it (memberships left alone).
    IF action IN ('create_profile', 'update_profile') THEN
        list := user_object -> 'organizations';
        IF list IS NOT NULL AND jsonb_typeof(list) <> 'null' THEN
            IF jsonb_typeof(list) <> 'array' THEN
                PERFORM kinde_claims.webhook_field_missing('data.user.organizations',
                    'an array of {"code": "org_..."} objects');
            END IF;
            IF jsonb_array_length(list) > 1000 THEN
                RAISE EXCEPTION USING ERRCODE = '22023',
                    MESSAGE = 'webhook event lists ' || jsonb_array_length(list) || ' organizations',
                    DETAIL = 'A user event lists at most 1000 organizations in data.user.organizations.';
            END IF;
            organizations := '{}';
            FOR i IN 0 .. jsonb_array_length(list) - 1 LOOP
                IF jsonb_typeof(list -> i) IS DISTINCT FROM 'object'
                   OR jsonb_typeof(list -> i -> 'code') IS DISTINCT FROM 'string' THEN
                    PERFORM kinde_claims.webhook_field_missing('data.user.organizations[].code',
                        'each organization''s code as a string');
                END IF;
                organizations := organizations || kinde_claims.org_code_check(list -> i ->> 'code');
            END LOOP;
        END IF;
    END IF;

    <<apply>>
    BEGIN
        IF event_time > clock_timestamp() + interval '5 minutes' THEN
            result := 'future';
            EXIT apply;
        END IF;
        INSERT INTO kinde_claims.webhook_events (event_id, kinde_id, type, event_time)
        VALUES (event_id, user_id, type, event_time) ON CONFLICT ON CONSTRAINT webhook_events_pkey DO NOTHING;
        GET DIAGNOSTICS rows = ROW_COUNT;
        IF rows = 0 THEN
            result := 'duplicate';
            EXIT apply;
        END IF;
        IF organization_action <> 'none' THEN
            IF NOT kinde_claims.webhook_advance(true, org_code, event_time, organization_action = 'delete_organization') THEN
                result := 'stale';
                EXIT apply;
            END IF;
            result := 'applied';
            PERFORM set_config('kinde_claims_write.source',
                jsonb_build_object('source', 'webhook', 'event_id', event_id)::text, true);
            IF organization_action = 'delete_organization' THEN
                organization := CASE WHEN kinde_claims.organization_delete(org_code) THEN 'deleted' ELSE 'absent' END;
            ELSE
                INSERT INTO kinde_claims.organizations (org_code) VALUES (org_code)
                ON CONFLICT ON CONSTRAINT organizations_pkey DO NOTHING;
                GET DIAGNOSTICS rows = ROW_COUNT;
                organization := CASE WHEN rows > 0 THEN 'created' ELSE 'exists' END;
            END IF;
            EXIT apply;
        END IF;
        IF action = 'ignore' THEN
            result := 'ignored';
            EXIT apply;
        END IF;
        IF NOT kinde_claims.webhook_advance(false, user_id, event_time, action = 'delete_profile') THEN
            result := 'stale';
            EXIT apply;
        END IF;
        result := 'applied';
        PERFORM set_config('kinde_claims_write.source',
            jsonb_build_object('source', 'webhook', 'event_id', event_id)::text, true);
        IF action = 'delete_profile' THEN
            DELETE FROM kinde_claims.profiles p WHERE p.kinde_id = user_id;
            GET DIAGNOSTICS rows = ROW_COUNT;
            profile := CASE WHEN rows > 0 THEN 'deleted' ELSE 'absent' END;
            DELETE FROM kinde_claims.memberships m WHERE m.kinde_id = user_id;
        ELSE
            INSERT INTO kinde_claims.profiles (kinde_id) VALUES (user_id)
            ON CONFLICT ON CONSTRAINT profiles_kinde_id_key DO NOTHING;
            GET DIAGNOSTICS rows = ROW_COUNT;
            profile := CASE WHEN rows > 0 THEN 'created' ELSE 'exists' END;
            IF organizations IS NOT NULL THEN
                -- Memberships go first, then come: a user's organizations in one fixed order.
                DELETE FROM kinde_claims.memberships m
                WHERE m.kinde_id = user_id AND m.org_code <> ALL (organizations);
                INSERT INTO kinde_claims.memberships (kinde_id, org_code)
                SELECT user_id, c.code
                FROM (SELECT DISTINCT c.code FROM unnest(organizations) AS c(code)
                      WHERE NOT EXISTS (SELECT FROM kinde_claims.webhook_organizations w
                                        WHERE w.org_code = c.code AND w.deleted)
                      ORDER BY 1) c
                ON CONFLICT ON CONSTRAINT memberships_pkey DO NOTHING;
            END IF;
        END IF;
    END;
    PERFORM set_config('kinde_claims_write.source', COALESCE(outer_source, ''), true);
    RETURN jsonb_build_object('result', result, 'kinde_id', user_id, 'event_id', event_id)
        || CASE WHEN profile IS NULL THEN '{}' ELSE jsonb_build_object('profile', profile) END
        || CASE WHEN org_code IS NULL THEN '{}' ELSE jsonb_build_object('org_code', org_code) END
        || CASE WHEN organization IS NULL THEN '{}' ELSE jsonb_build_object('organization', organization) END;
END
$$;
COMMENT ON FUNCTION @extschema@.kinde_webhook_apply(jsonb) IS
    'Applies one verified Kinde webhook event (the JWT payload) once: {"result": "applied"|"duplicate"|"ignored"|"stale"|"future", ...}';
