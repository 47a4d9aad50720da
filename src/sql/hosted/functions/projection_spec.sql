-- projection_spec(relation oid, trigger_name name, organization boolean) RETURNS jsonb: a projection trigger's
-- arguments (kinde_profile_upsert_trigger, kinde_organization_upsert_trigger) resolved against
-- its table, as upsert_trigger_parse in kinde_profile_upsert_trigger.cpp checks them:
--   {"prefix": "trigger \"t\" on s.tab: ", "key_column": ..., "flag_column": ... or null,
--    "claims": [{"claim": ..., "column": ..., "type": boolean|text|int2|int4|int8|numeric|jsonb|timestamptz}],
--    "claim_keys": [every mapped claim name]}
-- Raises, prefixed with the trigger and its table: 22023 for too few arguments, an argument that
-- is not claim=column, a claim name the rules refuse, a claim mapped twice or lifetime_subscriber
-- on an organization's table; 42703 for a missing column; 42804 for a column of a type no claim
-- can carry (or a key or flag column of the wrong type). Unlike the C++ edition it is resolved
-- again on every row (no cache).
CREATE OR REPLACE FUNCTION kinde_claims.projection_spec(relation oid, trigger_name name, organization boolean) RETURNS jsonb
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t record;
    prefix text;
    hint text := CASE WHEN organization
        THEN 'The arguments are the org-code column, then one per claim: claim=column, or a column named like its claim.'
        ELSE 'The arguments are the user-id column, then one per claim: claim=column, or a column named like its claim.' END;
    key_name text := CASE WHEN organization THEN 'org-code' ELSE 'user-id' END;
    args text[];
    argument text;
    claim text;
    col text;
    base oid;
    kind text;
    flag_column text;
    claims jsonb := '[]';
    keys text[] := '{}';
    violation text[];
BEGIN
    SELECT tg.tgname, tg.tgrelid, tg.tgnargs, tg.tgargs, n.nspname, c.relname INTO t
    FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE tg.tgrelid = relation AND tg.tgname = trigger_name;
    prefix := format('trigger "%s" on %s.%s: ', t.tgname, quote_ident(t.nspname), quote_ident(t.relname));
    args := kinde_claims.trigger_arguments(t.tgargs, t.tgnargs);
    IF t.tgnargs < 2 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', HINT = hint,
            MESSAGE = prefix || CASE WHEN organization THEN 'kinde_organization_upsert_trigger()'
                                     ELSE 'kinde_profile_upsert_trigger()' END
                      || ' needs the ' || key_name || ' column and at least one claim';
    END IF;
    base := kinde_claims.column_base_type(t.tgrelid, args[1]);
    IF base IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '42703', HINT = hint,
            MESSAGE = prefix || format('column "%s" does not exist', args[1]);
    END IF;
    IF base NOT IN ('text'::regtype, 'varchar'::regtype) THEN
        RAISE EXCEPTION USING ERRCODE = '42804', HINT = hint,
            MESSAGE = prefix || format('%s column "%s" has type %s, not text', key_name, args[1],
                                       kinde_claims.column_type_name(t.tgrelid, args[1])),
            DETAIL = CASE WHEN organization
                THEN 'Kinde org codes are text: the org-code column must be text or varchar.'
                ELSE 'Kinde user ids are text: the user-id column must be text or varchar.' END;
    END IF;
    FOR i IN 2 .. t.tgnargs LOOP
        argument := args[i];
        IF position('=' IN argument) > 0 THEN
            claim := split_part(argument, '=', 1);
            col := substr(argument, position('=' IN argument) + 1);
        ELSE
            claim := argument;
            col := argument;
        END IF;
        IF claim = '' OR col = '' OR position('=' IN col) > 0 THEN
            RAISE EXCEPTION USING ERRCODE = '22023', HINT = hint,
                MESSAGE = prefix || format('argument "%s" is not a claim mapping', argument),
                DETAIL = 'Each argument after the first is claim=column, or a column named like its claim.';
        END IF;
        IF claim <> 'lifetime_subscriber' THEN
            violation := kinde_claims.claim_name_violation(claim);
            IF violation IS NOT NULL THEN
                PERFORM kinde_claims.raise_violation(ARRAY[prefix || violation[1], violation[2], violation[3]]);
            END IF;
        END IF;
        IF (claim = 'lifetime_subscriber' AND flag_column IS NOT NULL) OR claim = ANY (keys) THEN
            RAISE EXCEPTION USING ERRCODE = '22023', HINT = hint,
                MESSAGE = prefix || format('claim "%s" is mapped twice', claim);
        END IF;
        base := kinde_claims.column_base_type(t.tgrelid, col);
        IF base IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = '42703', HINT = hint,
                MESSAGE = prefix || format('column "%s" does not exist', col);
        END IF;
        kind := CASE base WHEN 'boolean'::regtype THEN 'boolean' WHEN 'text'::regtype THEN 'text'
                          WHEN 'varchar'::regtype THEN 'text' WHEN 'int2'::regtype THEN 'int2'
                          WHEN 'int4'::regtype THEN 'int4' WHEN 'int8'::regtype THEN 'int8'
                          WHEN 'numeric'::regtype THEN 'numeric' WHEN 'jsonb'::regtype THEN 'jsonb'
                          WHEN 'timestamptz'::regtype THEN 'timestamptz' END;
        IF kind IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = '42804',
                MESSAGE = prefix || format('column "%s" has type %s, which no claim can carry', col,
                                           kinde_claims.column_type_name(t.tgrelid, col)),
                DETAIL = 'A claim column must be boolean, text, varchar, smallint, integer, bigint, numeric, jsonb or '
                         'timestamptz, or a domain over one of them.';
        END IF;
        IF claim = 'lifetime_subscriber' THEN
            IF organization THEN
                RAISE EXCEPTION USING ERRCODE = '22023', HINT = hint,
                    MESSAGE = prefix || 'lifetime_subscriber cannot come from an organization''s table',
                    DETAIL = 'lifetime_subscriber is always the user''s own.';
            END IF;
            IF kind <> 'boolean' THEN
                RAISE EXCEPTION USING ERRCODE = '42804',
                    MESSAGE = prefix || format('lifetime_subscriber must come from a boolean column, not "%s" of type %s',
                                               col, kinde_claims.column_type_name(t.tgrelid, col));
            END IF;
            flag_column := col;
            CONTINUE;
        END IF;
        claims := claims || jsonb_build_array(jsonb_build_object('claim', claim, 'column', col, 'type', kind));
        keys := keys || claim;
    END LOOP;
    RETURN jsonb_build_object('prefix', prefix, 'key_column', args[1], 'flag_column', flag_column,
                              'claims', claims, 'claim_keys', to_jsonb(keys), 'relid', t.tgrelid::bigint,
                              'trigger_name', t.tgname, 'organization', organization);
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.projection_spec(oid, name, boolean) FROM PUBLIC;
