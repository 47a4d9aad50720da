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
    member record;
    grantee oid;
BEGIN
    FOR member IN
        SELECT d.classid, d.objid
        FROM pg_depend d
        JOIN pg_extension e ON e.oid = d.refobjid
        WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND e.extname = 'kinde_claims'
    LOOP
        IF member.classid = 'pg_proc'::regclass THEN
            EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', member.objid::regprocedure);
            FOR grantee IN
                SELECT DISTINCT a.grantee FROM pg_proc p, aclexplode(p.proacl) a
                WHERE p.oid = member.objid AND a.grantee <> 0 AND a.grantee <> p.proowner
            LOOP
                EXECUTE format('REVOKE ALL ON FUNCTION %s FROM %I', member.objid::regprocedure,
                               pg_get_userbyid(grantee));
            END LOOP;
        ELSIF member.classid = 'pg_class'::regclass THEN
            EXECUTE format('REVOKE ALL ON %s FROM PUBLIC', member.objid::regclass);
            FOR grantee IN
                SELECT DISTINCT a.grantee FROM pg_class c, aclexplode(c.relacl) a
                WHERE c.oid = member.objid AND a.grantee <> 0 AND a.grantee <> c.relowner
            LOOP
                EXECUTE format('REVOKE ALL ON %s FROM %I', member.objid::regclass, pg_get_userbyid(grantee));
            END LOOP;
        ELSIF member.classid = 'pg_namespace'::regclass THEN
            EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', (SELECT nspname FROM pg_namespace WHERE oid = member.objid));
            FOR grantee IN
                SELECT DISTINCT a.grantee FROM pg_namespace n, aclexplode(n.nspacl) a
                WHERE n.oid = member.objid AND a.grantee <> 0 AND a.grantee <> n.nspowner
            LOOP
                EXECUTE format('REVOKE ALL ON SCHEMA %I FROM %I', (SELECT nspname FROM pg_namespace WHERE oid = member.objid),
                               pg_get_userbyid(grantee));
            END LOOP;
        END IF;
    END LOOP;
END
$$;

SELECT kinde_claims.revoke_default_privileges();
