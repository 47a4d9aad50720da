-- Test fixture, not product code: the pieces of Supabase Auth's database that the custom access
-- token hook touches, as Supabase has them, for a database this project's tests create. Supabase
-- Auth cannot be installed here.
--   * The role Auth connects as, supabase_auth_admin: NOINHERIT NOCREATEROLE LOGIN NOREPLICATION,
--     not superuser, no BYPASSRLS, search_path = auth, owner of the auth tables (FACTS.md §13,
--     from supabase/postgres init-scripts/00000000000001-auth-schema.sql).
--   * auth.users as far as the hook's callers need it, and auth.identities with its columns, its
--     unique (provider_id, provider), its index on user_id and RLS enabled (FACTS.md §12, from
--     supabase/auth's migrations).
--   * auth.sessions, the row Auth writes in the transaction that calls the hook (FACTS.md §10).
--   * auth.jwt() as supabase/auth's migration 20220531120530 defines it: what RLS policies read.
-- Runs as a superuser; safe to run again on a database that has it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'supabase_auth_admin') THEN
        CREATE ROLE supabase_auth_admin NOINHERIT NOCREATEROLE LOGIN NOREPLICATION NOSUPERUSER NOBYPASSRLS;
    END IF;
END
$$;
ALTER ROLE supabase_auth_admin SET search_path = auth;

CREATE SCHEMA IF NOT EXISTS auth AUTHORIZATION supabase_auth_admin;
SET ROLE supabase_auth_admin;
CREATE TABLE IF NOT EXISTS auth.users (
    instance_id uuid,
    id uuid PRIMARY KEY,
    aud varchar(255),
    role varchar(255),
    email varchar(255),
    phone text,
    raw_app_meta_data jsonb,
    raw_user_meta_data jsonb,
    is_anonymous boolean NOT NULL DEFAULT false,
    created_at timestamptz,
    updated_at timestamptz
);
CREATE TABLE IF NOT EXISTS auth.identities (
    provider_id text NOT NULL,
    user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    identity_data jsonb NOT NULL,
    provider text NOT NULL,
    last_sign_in_at timestamptz,
    created_at timestamptz,
    updated_at timestamptz,
    email text GENERATED ALWAYS AS (lower(identity_data ->> 'email')) STORED,
    id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    CONSTRAINT identities_provider_id_provider_unique UNIQUE (provider_id, provider)
);
CREATE INDEX IF NOT EXISTS identities_user_id_idx ON auth.identities USING btree (user_id);
ALTER TABLE auth.identities ENABLE ROW LEVEL SECURITY;
ALTER TABLE auth.users ENABLE ROW LEVEL SECURITY;
CREATE TABLE IF NOT EXISTS auth.sessions (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    created_at timestamptz,
    updated_at timestamptz,
    refreshed_at timestamp,
    aal text
);
CREATE TABLE IF NOT EXISTS auth.refresh_tokens (
    id bigserial PRIMARY KEY,
    token varchar(255) UNIQUE,
    user_id varchar(255),
    revoked boolean,
    session_id uuid REFERENCES auth.sessions (id) ON DELETE CASCADE,
    created_at timestamptz,
    updated_at timestamptz
);
CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb
    LANGUAGE sql STABLE
AS $$
  SELECT coalesce(
      nullif(current_setting('request.jwt.claim', true), ''),
      nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;
RESET ROLE;
