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
-- How: it writes NAME.control and NAME--VERSION.sql into the server's extension directory (the
-- suite's own stage, made writable for this), where a real pg_tle keeps them in its catalog.
-- So unlike pg_tle the extension is on disk for every database of the cluster: a restore into
-- another database of this cluster finds it, where a real restore needs pg_tle and the TLE
-- installed first (FACTS.md §17; docs/hosted.md). Run as a superuser in the test database.
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
        format(E'comment = %s\ndefault_version = %s\nrelocatable = false\nsuperuser = false\ntrusted = false\n%s',
               quote_literal(description), quote_literal(version),
               CASE WHEN requires IS NULL THEN '' ELSE format(E'requires = %s\n', quote_literal(array_to_string(requires, ', '))) END));
    RETURN true;
END
$$;
REVOKE ALL ON FUNCTION pgtle.install_extension(text, text, text, text, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgtle.install_extension(text, text, text, text, text[]) TO pgtle_admin;
