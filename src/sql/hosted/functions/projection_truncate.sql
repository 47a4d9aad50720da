-- projection_truncate(spec jsonb) RETURNS void: a projection trigger fired BEFORE TRUNCATE (FOR
-- EACH STATEMENT, same arguments): the rows are still there, so every valid key they hold loses
-- the trigger's claims as if each row were deleted, through the same write path; history source
-- 'truncate' with the app table. A partitioned table's rows are read from its leaf partitions.
-- Unlike the C++ edition it reads with the statement's snapshot (the C++ edition reads the latest
-- and refuses rows committed after a REPEATABLE READ snapshot with 40001).
CREATE OR REPLACE FUNCTION kinde_claims.projection_truncate(spec jsonb) RETURNS void
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    relation oid := (spec ->> 'relid')::oid;
    organization boolean := (spec ->> 'organization')::boolean;
    keys text[] := ARRAY(SELECT jsonb_array_elements_text(spec -> 'claim_keys'));
    maps_flag boolean := spec ->> 'flag_column' IS NOT NULL;
    leaf oid;
    found_keys text[] := '{}';
    leaf_keys text[];
    as_replica boolean;  -- session_replication_role was replica: put back at the end
    outer_source text := current_setting('kinde_claims_write.source', true);  -- put back at the end (history_context)
BEGIN
    FOR leaf IN SELECT t.relid FROM pg_partition_tree(relation) t
                JOIN pg_class c ON c.oid = t.relid WHERE c.relkind = 'r'
                UNION ALL SELECT relation WHERE NOT EXISTS (SELECT FROM pg_partition_tree(relation) LIMIT 1) LOOP
        EXECUTE format('SELECT array_agg(k) FROM (SELECT %I::text AS k FROM ONLY %s) s WHERE k IS NOT NULL',
                       spec ->> 'key_column', leaf::regclass) INTO leaf_keys;
        found_keys := found_keys || COALESCE(leaf_keys, '{}');
    END LOOP;
    found_keys := ARRAY(SELECT k FROM unnest(found_keys) k WHERE kinde_claims.key_violation(k, organization) IS NULL);
    IF cardinality(found_keys) = 0 THEN
        RETURN;
    END IF;
    as_replica := current_setting('session_replication_role') = 'replica';
    IF as_replica THEN
        PERFORM set_config('session_replication_role', 'origin', true);
    END IF;
    PERFORM set_config('kinde_claims_write.source',
        jsonb_build_object('source', 'truncate', 'app_table', relation::bigint)::text, true);
    IF organization THEN
        UPDATE kinde_claims.organizations AS o SET claims = jsonb_delete(o.claims, VARIADIC keys), updated_at = now()
        WHERE o.org_code = ANY (found_keys) AND jsonb_exists_any(o.claims, keys);
    ELSE
        UPDATE kinde_claims.profiles AS p SET lifetime_subscriber = p.lifetime_subscriber AND NOT maps_flag,
               claims = jsonb_delete(p.claims, VARIADIC keys)
        WHERE p.kinde_id = ANY (found_keys) AND (p.lifetime_subscriber AND maps_flag OR jsonb_exists_any(p.claims, keys));
    END IF;
    PERFORM set_config('kinde_claims_write.source', COALESCE(outer_source, ''), true);
    IF as_replica THEN
        PERFORM set_config('session_replication_role', 'replica', true);
    END IF;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.projection_truncate(jsonb) FROM PUBLIC;
