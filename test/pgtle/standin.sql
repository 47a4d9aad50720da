-- A stand-in for pg_tle's pgtle.install_extension (FACTS.md §18), for suite 46-hosted-install:
-- pg_tle itself is not packaged for this machine's Postgres. It is NOT pg_tle. What it keeps of
-- pg_tle's behaviour, which is what the package hosted/kinde_claims--pg_tle.sql relies on:
-- - the signature of pg_tle 1.4 (name, version, description, ext, requires DEFAULT NULL), callable
--   with five positional arguments, returning boolean, EXECUTE for pgtle_admin only;
-- - it refuses pg_tle's delimiters $_pgtle_o_$ and $_pgtle_i_$ anywhere in the definition
--   ("invalid character in extension definition"; pg_tle's SQLSTATE was not checked: 22023 here),
--   and a second install of the same name;
-- - the extension it registers is superuser = false, trusted = false, relocatable = false, so
--   CREATE EXTENSION runs the script as the caller, a non-superuser, who owns what it creates;
--   Postgres refuses transaction control in an extension script, as pg_tle does.
-- - pgtle.install_update_path(name, fromvers, tovers, ext) and pgtle.set_default_version(name,
--   version), as pg_tle 1.4 and 1.5 declare them (pg_tle--1.0.4.sql; FACTS.md §18): boolean,
--   EXECUTE for pgtle_admin only, and what their C code (src/tleextension.c @ 2f4b7b3,
--   pg_tle_install_update_path, pg_tle_set_default_version) checks, with its SQLSTATE and message:
--   a NULL argument (22004 '"name" is a required argument', ...); a name or version with "--" or
--   a leading or trailing "-" (22023); install_update_path: a delimiter in the script (22023
--   "invalid character in extension update definition"), the same path twice (42710 extension
--   "NAME" update path "FROM-TO" already installed), and not the extension's existence (pg_tle
--   does not check it); set_default_version: a name and version that are not an available
--   version, the versions an update path reaches included (42704 "extension and version do not
--   exist"). Both refuse a name whose control file is a file-based extension's (55000 "control
--   file already exists for the ..."): here, a control file this stand-in did not write.
--   ALTER EXTENSION ... UPDATE then runs the update script as it runs a file's (as the caller).
-- How: it writes NAME.control and NAME--VERSION.sql into the server's extension directory (the
-- suite's own stage, made writable for this), where a real pg_tle keeps them in its catalog.
-- So unlike pg_tle the extension is on disk for every database of the cluster: a restore into
-- another database of this cluster finds it, where a real restore needs pg_tle and the TLE
-- installed first (FACTS.md §17; docs/hosted.md); and a file it wrote stays when the transaction
-- that wrote it rolls back, where pg_tle's catalog rows go. Run as a superuser in the test database.
\set ON_ERROR_STOP on

CREATE ROLE pgtle_admin NOLOGIN;
CREATE SCHEMA pgtle;
GRANT USAGE ON SCHEMA pgtle TO pgtle_admin;

-- write_file(path, content): the file's whole content, through the server's COPY TO PROGRAM.
CREATE FUNCTION pgtle.write_file(path text, content text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF path ~ '''' THEN
        RAISE EXCEPTION 'pg_tle stand-in: a path with a quote: %', path;
    END IF;
    -- One base64 line: COPY's text format leaves it as it is.
    EXECUTE format('COPY (SELECT %L) TO PROGRAM %L',
                   translate(encode(convert_to(content, 'UTF8'), 'base64'), E'\n', ''),
                   format('base64 -d > ''%s''', path));
END
$$;
REVOKE ALL ON FUNCTION pgtle.write_file(text, text) FROM PUBLIC;

CREATE FUNCTION pgtle.install_extension(name text, version text, description text, ext text,
                                        requires text[] DEFAULT NULL) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dir text := (SELECT setting FROM pg_config WHERE pg_config.name = 'SHAREDIR') || '/extension';
BEGIN
    IF concat(name, version, description, ext, array_to_string(requires, ',')) ~ '\$_pgtle_[oi]_\$' THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'invalid character in extension definition';
    END IF;
    IF name !~ '^[a-z_][a-z0-9_]*$' OR version !~ '^[0-9A-Za-z._-]+$' THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'pg_tle stand-in: unsupported name or version';
    END IF;
    IF EXISTS (SELECT FROM pg_available_extensions a WHERE a.name = install_extension.name) THEN
        RAISE EXCEPTION USING ERRCODE = '42710', MESSAGE = format('extension "%s" already installed', name);
    END IF;
    PERFORM pgtle.write_file(format('%s/%s--%s.sql', dir, name, version), ext);
    PERFORM pgtle.write_file(format('%s/%s.control', dir, name),
        format(E'# pg_tle stand-in\ncomment = %s\ndefault_version = %s\nrelocatable = false\nsuperuser = false\ntrusted = false\n%s',
               quote_literal(description), quote_literal(version),
               CASE WHEN requires IS NULL THEN '' ELSE format(E'requires = %s\n', quote_literal(array_to_string(requires, ', '))) END));
    RETURN true;
END
$$;
REVOKE ALL ON FUNCTION pgtle.install_extension(text, text, text, text, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgtle.install_extension(text, text, text, text, text[]) TO pgtle_admin;

-- check_arguments(names, values): 22004 for the first NULL argument, named as pg_tle names it.
CREATE FUNCTION pgtle.check_arguments(names text[], vals text[]) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    FOR i IN 1 .. cardinality(names) LOOP
        IF vals[i] IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('"%s" is a required argument', names[i]);
        END IF;
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION pgtle.check_arguments(text[], text[]) FROM PUBLIC;

-- check_names(name, versions): pg_tle's check_valid_extension_name and check_valid_version_name
-- (22023), and its refusal of a name that is a file-based extension's (55000).
CREATE FUNCTION pgtle.check_names(name text, versions text[]) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dir text := (SELECT setting FROM pg_config WHERE pg_config.name = 'SHAREDIR') || '/extension';
    version text;
BEGIN
    IF name = '' OR name ~ '--' OR name ~ '^-|-$' OR name ~ '[/\\]' THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('invalid extension name: "%s"', name);
    END IF;
    FOREACH version IN ARRAY versions LOOP
        IF version = '' OR version ~ '--' OR version ~ '^-|-$' OR version ~ '[/\\]' THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('invalid extension version name: "%s"', version);
        END IF;
    END LOOP;
    IF pg_read_file(format('%s/%s.control', dir, name), 0, 1000000, true) !~ '^# pg_tle stand-in' THEN
        RAISE EXCEPTION USING ERRCODE = '55000', MESSAGE = format('control file already exists for the "%s" extension', name);
    END IF;
END
$$;
REVOKE ALL ON FUNCTION pgtle.check_names(text, text[]) FROM PUBLIC;

CREATE FUNCTION pgtle.install_update_path(name text, fromvers text, tovers text, ext text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    script text := format('%s/extension/%s--%s--%s.sql',
                          (SELECT setting FROM pg_config WHERE pg_config.name = 'SHAREDIR'), name, fromvers, tovers);
BEGIN
    PERFORM pgtle.check_arguments(ARRAY['name', 'fromvers', 'tovers', 'ext'], ARRAY[name, fromvers, tovers, ext]);
    PERFORM pgtle.check_names(name, ARRAY[fromvers, tovers]);
    IF ext ~ '\$_pgtle_[oi]_\$' THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'invalid character in extension update definition';
    END IF;
    IF (pg_stat_file(script, true)).size IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '42710',
            MESSAGE = format('extension "%s" update path "%s-%s" already installed', name, fromvers, tovers);
    END IF;
    PERFORM pgtle.write_file(script, ext);
    RETURN true;
END
$$;
REVOKE ALL ON FUNCTION pgtle.install_update_path(text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgtle.install_update_path(text, text, text, text) TO pgtle_admin;

CREATE FUNCTION pgtle.set_default_version(name text, version text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    control text := format('%s/extension/%s.control', (SELECT setting FROM pg_config WHERE pg_config.name = 'SHAREDIR'), name);
BEGIN
    PERFORM pgtle.check_arguments(ARRAY['name', 'version'], ARRAY[name, version]);
    PERFORM pgtle.check_names(name, ARRAY[version]);
    IF NOT EXISTS (SELECT FROM pg_available_extension_versions v
                   WHERE v.name = set_default_version.name AND v.version = set_default_version.version) THEN
        RAISE EXCEPTION USING ERRCODE = '42704', MESSAGE = 'extension and version do not exist';
    END IF;
    PERFORM pgtle.write_file(control, regexp_replace(pg_read_file(control), '^default_version = .*$',
                                                     'default_version = ' || quote_literal(version), 'n'));
    RETURN true;
END
$$;
REVOKE ALL ON FUNCTION pgtle.set_default_version(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgtle.set_default_version(text, text) TO pgtle_admin;
