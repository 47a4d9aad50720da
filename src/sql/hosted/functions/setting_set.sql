-- setting_set(name text, value text) RETURNS text: the owner sets one of the SQL edition's
-- settings (the C++ edition's superuser-set parameters; docs/hosted.md#settings), checked as the
-- C++ edition checks a SET of the parameter, with the same SQLSTATE and message. The value applies
-- to every write and hook call from the next statement on (in the setting transaction) and to
-- every session once committed. A NULL value removes the setting: the default applies again.
--   name: 'kinde_claims.max_claims_bytes' (bytes, 2 to 1048576, read as Postgres 15 reads an
--         integer setting: decimal, 0x hex or 0 octal, or a fraction; a unit B, kB, MB, GB or TB
--         may follow; default 4096), 'kinde_claims.allowed_kinde_claims' (a comma-separated list
--         of claim names Kinde issues; default empty), 'kinde_claims.supabase_identity_provider'
--         (2 to 50 of a-z 0-9 ':' '-'; default custom:kinde), 'kinde_claims.supabase_hook_on_error'
--         (open or closed; default open), 'kinde_claims.notify' (a Boolean; default on: the
--         database's default, which a session may still turn off with SET for its own writes).
--   Returns the value stored (max_claims_bytes in bytes, notify as on or off), or NULL when removed.
--   The name is case-insensitive, as SET's (stored and named in lower case); a Boolean or
--   open/closed is read as SET reads it: in any case, with no white space around it.
-- Errors: 42602 for another name under kinde_claims. (42704 for any other); 22023 for a value the C++ edition refuses; 42501 when the caller
-- is not the owner of kinde_claims.settings (nor a member of it). Private: revoked from PUBLIC.
CREATE OR REPLACE FUNCTION kinde_claims.setting_set(name text, value text) RETURNS text
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    owner_oid oid := (SELECT c.relowner FROM pg_class c WHERE c.oid = 'kinde_claims.settings'::regclass);
    owner text := owner_oid::regrole::text;
    stored text := value;
    parts text[];
    bytes numeric;
    violation text[];
    -- max_claims_bytes as Postgres reads it: the number, what follows it, its unit.
    number numeric;
    rest text;
    unit text;
    radix integer;
    digit text;
    exponent integer;
    scale text[];
    exact double precision;
    step double precision;
BEGIN
    -- Setting names are case-insensitive (guc.c guc_name_compare folds ASCII letters only; SET's
    -- unquoted name is folded the same way): the name is read and named in lower case.
    name := translate(name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz');
    IF NOT pg_has_role(current_user, owner_oid, 'USAGE') THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('permission denied to set parameter "%s"', name),
            DETAIL = format('Only the owner of kinde_claims.settings (%s) may change the SQL edition''s settings.', owner);
    END IF;
    IF name IS NULL OR name NOT IN ('kinde_claims.max_claims_bytes', 'kinde_claims.allowed_kinde_claims',
            'kinde_claims.supabase_identity_provider', 'kinde_claims.supabase_hook_on_error',
            'kinde_claims.notify') THEN
        IF name LIKE 'kinde\_claims.%' THEN  -- as Postgres refuses a name under the module's reserved prefix
            RAISE EXCEPTION USING ERRCODE = '42602',
                MESSAGE = format('invalid configuration parameter name "%s"', name),
                DETAIL = '"kinde_claims" is a reserved prefix.';
        END IF;
        RAISE EXCEPTION USING ERRCODE = '42704',
            MESSAGE = format('unrecognized configuration parameter "%s"', name);
    END IF;
    IF value IS NULL THEN
        DELETE FROM kinde_claims.settings s WHERE s.name = setting_set.name;
        RETURN NULL;
    END IF;
    CASE name
    WHEN 'kinde_claims.max_claims_bytes' THEN
        -- As PG15's parse_int (guc.c) reads an integer setting with a unit: strtol(value, 0), white
        -- space and a sign, then 0x and hex digits, 0 and octal digits, or decimal digits; read
        -- again as strtod where that stops at '.', 'e' or 'E' or overflows a long (a decimal or
        -- hex fraction, an exponent); white space; a unit of at most 3 characters and white space
        -- (convert_to_base_unit: B, kB, MB, GB, TB; a fraction rounds to the next smaller unit);
        -- rint, half to even. Postgres gives a hint only for a bad unit and for an int's range.
        parts := regexp_match(value, '^[ \t\n\r\f\v]*([-+]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)(.*)$');
        IF parts IS NULL THEN
            number := NULL;
            rest := value;
        ELSE
            radix := CASE WHEN parts[2] ~ '^0[xX]' THEN 16 WHEN parts[2] ~ '^0' THEN 8 ELSE 10 END;
            number := 0;
            FOREACH digit IN ARRAY regexp_split_to_array(lower(regexp_replace(parts[2], '^0[xX]', '')), '') LOOP
                number := number * radix + (strpos('0123456789abcdef', digit) - 1);
            END LOOP;
            number := CASE WHEN parts[1] = '-' THEN -number ELSE number END;
            rest := parts[3];
        END IF;
        IF left(rest, 1) IN ('.', 'e', 'E') OR number NOT BETWEEN -9223372036854775808 AND 9223372036854775807 THEN
            number := NULL;
            parts := regexp_match(value, '^[ \t\n\r\f\v]*([-+]?)0[xX]([0-9a-fA-F]*)(\.([0-9a-fA-F]*))?(.*)$');
            IF parts IS NOT NULL AND parts[2] || coalesce(parts[4], '') <> '' THEN
                -- A hex fraction: hex digits, a point and hex digits, then p and a power of 2.
                radix := 16;
                exponent := -4 * length(coalesce(parts[4], ''));
                rest := parts[5];
            ELSE
                parts := regexp_match(value, '^[ \t\n\r\f\v]*([-+]?)([0-9]*)(\.([0-9]*))?(.*)$');
                radix := 10;
                exponent := -length(coalesce(parts[4], ''));
                rest := parts[5];
            END IF;
            IF parts[2] || coalesce(parts[4], '') <> '' THEN
                number := 0;
                FOREACH digit IN ARRAY regexp_split_to_array(lower(parts[2] || coalesce(parts[4], '')), '') LOOP
                    number := number * radix + (strpos('0123456789abcdef', digit) - 1);
                END LOOP;
                scale := regexp_match(rest, CASE radix WHEN 16 THEN '^[pP]([-+]?[0-9]+)(.*)$' ELSE '^[eE]([-+]?[0-9]+)(.*)$' END);
                IF scale IS NOT NULL THEN
                    exponent := exponent + least(greatest(scale[1]::numeric, -100000), 100000)::integer;
                    rest := scale[2];
                END IF;
                -- strtod's ERANGE (checked below): beyond a double, or below its smallest normal
                -- magnitude. Far beyond either, not computed at all.
                IF number <> 0 AND abs(log(number) + exponent * log(CASE radix WHEN 16 THEN 2 ELSE 10 END)) > 330 THEN
                    number := NULL;
                ELSE
                    number := CASE WHEN number = 0 THEN 0
                                   WHEN radix = 10 THEN (number || 'e' || exponent)::numeric
                                   WHEN exponent >= 0 THEN number * power(2::numeric, exponent)
                                   ELSE number / power(2::numeric, -exponent) END;
                    number := CASE WHEN parts[1] = '-' THEN -number ELSE number END;
                END IF;
            END IF;
        END IF;
        unit := NULL;
        rest := ltrim(rest, E' \t\n\r\f' || chr(11));
        IF number IS NOT NULL AND rest <> '' THEN
            unit := substring(rest FROM '^[^ \t\n\r\f\v]{1,3}');
            IF unit NOT IN ('B', 'kB', 'MB', 'GB', 'TB')
               OR ltrim(substr(rest, length(unit) + 1), E' \t\n\r\f' || chr(11)) <> '' THEN
                RAISE EXCEPTION USING ERRCODE = '22023',
                    MESSAGE = format('invalid value for parameter "%s": "%s"', name, value),
                    HINT = 'Valid units for this parameter are "B", "kB", "MB", "GB", and "TB".';
            END IF;
        END IF;
        IF number IS NULL OR abs(number) >= 1.797693134862315807937289714053e308
           OR number <> 0 AND abs(number) < 2.2250738585072014e-308 THEN
            RAISE EXCEPTION USING ERRCODE = '22023',
                MESSAGE = format('invalid value for parameter "%s": "%s"', name, value);
        END IF;
        exact := number::double precision;
        IF abs(exact) > 1e15 THEN
            bytes := NULL;
        ELSE
            exact := exact * CASE unit WHEN 'kB' THEN 1024 WHEN 'MB' THEN 1048576 WHEN 'GB' THEN 1073741824
                                       WHEN 'TB' THEN 1099511627776 ELSE 1 END;
            IF unit IN ('kB', 'MB', 'GB', 'TB') THEN
                step := CASE unit WHEN 'kB' THEN 1 WHEN 'MB' THEN 1024 WHEN 'GB' THEN 1048576 ELSE 1073741824 END;
                exact := round(exact / step) * step;
            END IF;
            bytes := round(exact)::numeric;
        END IF;
        IF bytes IS NULL OR bytes < -2147483648 OR bytes > 2147483647 THEN
            RAISE EXCEPTION USING ERRCODE = '22023',
                MESSAGE = format('invalid value for parameter "%s": "%s"', name, value),
                HINT = 'Value exceeds integer range.';
        END IF;
        IF bytes < 2 OR bytes > 1048576 THEN
            RAISE EXCEPTION USING ERRCODE = '22023',
                MESSAGE = format('%s B is outside the valid range for parameter "%s" (2 .. 1048576)', bytes, name);
        END IF;
        stored := bytes::text;
    WHEN 'kinde_claims.allowed_kinde_claims' THEN
        IF btrim(value, E' \t') <> '' THEN
            SELECT CASE WHEN e = '' THEN ARRAY[
                        'kinde_claims.allowed_kinde_claims has an empty entry',
                        'The value is a comma-separated list of claim names.']
                    ELSE ARRAY[kinde_claims.quote_for_message(e) || ' is not a claim Kinde issues',
                        'Only names Kinde issues itself need allowing: '
                        || kinde_claims.kinde_issued_claims_list()
                        || '. Kinde''s prohibited claims can never be set.'] END
              INTO violation
              FROM unnest(string_to_array(value, ',')) WITH ORDINALITY AS l(entry, n),
                   LATERAL (SELECT btrim(l.entry, E' \t') AS e) t
             WHERE t.e = '' OR NOT kinde_claims.is_kinde_issued_claim(t.e)
             ORDER BY l.n LIMIT 1;
            IF violation IS NOT NULL THEN
                RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = violation[1], DETAIL = violation[2];
            END IF;
        END IF;
    WHEN 'kinde_claims.supabase_identity_provider' THEN
        IF value !~ '^[a-z0-9:-]{2,50}$' THEN
            RAISE EXCEPTION USING ERRCODE = '22023',
                MESSAGE = format('invalid Supabase identity provider "%s"', value),
                HINT = 'Supabase Auth names a custom provider "custom:" followed by its identifier (such as '
                       'custom:kinde): 2 to 50 lowercase letters, digits, "-" and ":".';
        END IF;
    WHEN 'kinde_claims.supabase_hook_on_error' THEN
        -- As guc.c config_enum_lookup_by_name: the whole value, ASCII letters in any case.
        stored := translate(value, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz');
        IF stored NOT IN ('open', 'closed') THEN
            RAISE EXCEPTION USING ERRCODE = '22023',
                MESSAGE = format('invalid value for parameter "%s": "%s"', name, value),
                HINT = 'Available values: open, closed.';
        END IF;
    WHEN 'kinde_claims.notify' THEN
        -- As PG15's parse_bool (bool.c), which SET uses (no white space trimmed, unlike a cast to
        -- boolean): true, false, yes, no or a prefix of one, on, off or of, 1 or 0; ASCII letters
        -- in any case.
        stored := CASE WHEN translate(value, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')
                            ~ '^(t|tr|tru|true|y|ye|yes|on|1)$' THEN 'on'
                       WHEN translate(value, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')
                            ~ '^(f|fa|fal|fals|false|n|no|of|off|0)$' THEN 'off' END;
        IF stored IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = '22023',
                MESSAGE = format('parameter "%s" requires a Boolean value', name);
        END IF;
    END CASE;
    INSERT INTO kinde_claims.settings AS s (name, value) VALUES (setting_set.name, stored)
    ON CONFLICT ON CONSTRAINT settings_pkey
    DO UPDATE SET value = excluded.value, set_at = excluded.set_at, set_by = excluded.set_by;
    RETURN stored;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.setting_set(text, text) FROM PUBLIC;
