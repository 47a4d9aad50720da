-- Test-only functions for the PostgREST stand-in's HTTP tests: they show from inside the
-- transaction what PostgREST's preamble set, and raise any SQLSTATE on request. Created in public
-- after setup.sql, so Supabase's default privileges grant them to anon and authenticated (and
-- PUBLIC keeps its default EXECUTE).
\set ON_ERROR_STOP on

CREATE FUNCTION public.probe_request() RETURNS jsonb LANGUAGE sql VOLATILE AS $$
  SELECT jsonb_build_object(
    'read_only', current_setting('transaction_read_only'),
    'isolation', current_setting('transaction_isolation'),
    'role', current_user,
    'claims', current_setting('request.jwt.claims', true)::jsonb,
    'method', current_setting('request.method', true),
    'path', current_setting('request.path', true),
    'headers', current_setting('request.headers', true)::jsonb,
    'cookies', current_setting('request.cookies', true)::jsonb,
    'search_path', current_setting('search_path'),
    'statement_timeout', current_setting('statement_timeout'))
$$;

CREATE FUNCTION public.probe_request_stable() RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('read_only', current_setting('transaction_read_only'))
$$;

CREATE FUNCTION public.probe_raise(sqlstate text) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'probe raised %', sqlstate USING ERRCODE = sqlstate, DETAIL = 'probe detail', HINT = 'probe hint';
END
$$;

CREATE FUNCTION public.probe_null() RETURNS jsonb LANGUAGE sql IMMUTABLE AS 'SELECT NULL::jsonb';

CREATE FUNCTION public.probe_echo(a text, b integer DEFAULT 7) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object('a', a, 'b', b)
$$;
