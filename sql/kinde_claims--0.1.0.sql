-- kinde_claims 0.1.0: profiles, the token lookup, the write functions and their row triggers.
\echo Use "CREATE EXTENSION kinde_claims" to load this file. \quit

-- Private state. PostgREST must never expose this schema; only the owner may use it.
CREATE SCHEMA kinde_claims;
COMMENT ON SCHEMA kinde_claims IS 'kinde_claims private state: never expose through PostgREST';

CREATE TABLE kinde_claims.profiles (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- "C" collation: ids are ASCII, and byte comparison keeps the unique index probe cheap.
    kinde_id text COLLATE "C" NOT NULL,
    lifetime_subscriber boolean NOT NULL DEFAULT false,
    claims jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT profiles_kinde_id_key UNIQUE (kinde_id)
);
COMMENT ON TABLE kinde_claims.profiles IS 'One row per Kinde user: what their access token carries';
COMMENT ON COLUMN kinde_claims.profiles.claims IS 'Further custom claims: a JSON object, see kinde_claims.max_claims_bytes';

-- Row-level security with no policies: only the owner (and superusers) see any row, even if
-- someone grants a role SELECT on the table.
ALTER TABLE kinde_claims.profiles ENABLE ROW LEVEL SECURITY;

SELECT pg_catalog.pg_extension_config_dump('kinde_claims.profiles', '');
SELECT pg_catalog.pg_extension_config_dump('kinde_claims.profiles_id_seq', '');

CREATE FUNCTION kinde_claims.profiles_before_write() RETURNS trigger
    AS 'MODULE_PATHNAME', 'kinde_claims_profiles_before_write' LANGUAGE C;
CREATE FUNCTION kinde_claims.profiles_after_write() RETURNS trigger
    AS 'MODULE_PATHNAME', 'kinde_claims_profiles_after_write' LANGUAGE C;

CREATE TRIGGER profiles_before_write BEFORE INSERT OR UPDATE ON kinde_claims.profiles
    FOR EACH ROW EXECUTE FUNCTION kinde_claims.profiles_before_write();
CREATE TRIGGER profiles_after_write AFTER INSERT OR UPDATE OR DELETE ON kinde_claims.profiles
    FOR EACH ROW EXECUTE FUNCTION kinde_claims.profiles_after_write();

-- The token path. C, no SET clause: it resolves nothing through search_path.
CREATE FUNCTION @extschema@.kinde_claims_for(user_id text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'kinde_claims_for'
    LANGUAGE C STABLE PARALLEL SAFE SECURITY DEFINER;
COMMENT ON FUNCTION @extschema@.kinde_claims_for(text) IS
    'The custom claims for a Kinde user''s access token; {"lifetime_subscriber": false} for an unknown user';

-- The writes. Their SQL names everything schema-qualified; the pinned search_path is a second lock.
CREATE FUNCTION @extschema@.kinde_profile_upsert(
        kinde_id text, lifetime_subscriber boolean DEFAULT NULL, claims jsonb DEFAULT NULL)
    RETURNS jsonb
    AS 'MODULE_PATHNAME', 'kinde_profile_upsert'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_profile_upsert(text, boolean, jsonb) IS
    'Creates or updates a profile in one atomic statement; a NULL argument keeps that field';

CREATE FUNCTION @extschema@.kinde_profile_delete(kinde_id text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'kinde_profile_delete'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.kinde_profile_delete(text) IS 'Removes a profile; true if one was removed';

-- Takes every privilege on this extension's objects away from everyone but their owner:
-- PUBLIC's default EXECUTE, and the explicit grants that ALTER DEFAULT PRIVILEGES (Supabase
-- grants ALL to anon and authenticated in public) attached when they were created.
-- Each version's script calls it after creating objects.
CREATE FUNCTION kinde_claims.revoke_default_privileges() RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target record;
    grantee oid;
BEGIN
    FOR target IN
        WITH member AS (
            SELECT d.classid, d.objid FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
            WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND e.extname = 'kinde_claims')
        SELECT 'FUNCTION ' || p.oid::regprocedure AS object, p.proacl AS acl, p.proowner AS owner
        FROM member m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
        UNION ALL
        SELECT 'TABLE ' || c.oid::regclass, c.relacl, c.relowner
        FROM member m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
        UNION ALL
        SELECT 'SCHEMA ' || quote_ident(n.nspname), n.nspacl, n.nspowner
        FROM member m JOIN pg_namespace n ON m.classid = 'pg_namespace'::regclass AND n.oid = m.objid
    LOOP
        EXECUTE format('REVOKE ALL ON %s FROM PUBLIC', target.object);
        FOR grantee IN
            SELECT DISTINCT a.grantee FROM aclexplode(target.acl) a
            WHERE a.grantee <> 0 AND a.grantee <> target.owner
        LOOP
            EXECUTE format('REVOKE ALL ON %s FROM %I', target.object, pg_get_userbyid(grantee));
        END LOOP;
    END LOOP;
END
$$;

SELECT kinde_claims.revoke_default_privileges();
