-- The shim's end-to-end database: PostgREST's login and anon roles, the token workflow's role
-- and the writer role the shim calls with, granted exactly as the README tells an operator to.
-- Run as a superuser in a new database of a cluster of its own.
\set ON_ERROR_STOP on

CREATE ROLE anon NOLOGIN NOINHERIT;
CREATE ROLE authenticator LOGIN NOINHERIT;
CREATE ROLE kinde_workflow NOLOGIN NOINHERIT;
CREATE ROLE kinde_writer NOLOGIN NOINHERIT;
GRANT anon, kinde_workflow, kinde_writer TO authenticator;
GRANT USAGE ON SCHEMA public TO anon, kinde_workflow, kinde_writer;

CREATE EXTENSION kinde_claims;
GRANT EXECUTE ON FUNCTION kinde_claims_for(text, text) TO kinde_workflow;
GRANT EXECUTE ON FUNCTION kinde_profile_upsert(text, boolean, jsonb), kinde_profile_delete(text),
                          kinde_webhook_apply(jsonb) TO kinde_writer;
