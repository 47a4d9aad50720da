-- merged_bytes(user_claims jsonb, organization_claims jsonb, membership_claims jsonb) RETURNS
-- bigint: the bytes of a member's three parts' JSON text added up, as the claims rules count
-- them; {} and a missing part count 0 (KC_PART_BYTES in organizations.cpp).
CREATE OR REPLACE FUNCTION kinde_claims.merged_bytes(user_claims jsonb, organization_claims jsonb,
        membership_claims jsonb) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (SELECT pg_catalog.sum(CASE WHEN part IS NULL OR part OPERATOR(pg_catalog.=) '{}'::pg_catalog.jsonb
                                       THEN 0 ELSE pg_catalog.octet_length(part::pg_catalog.text) END)::bigint
            FROM (VALUES (user_claims), (organization_claims), (membership_claims)) parts(part));
REVOKE ALL ON FUNCTION kinde_claims.merged_bytes(jsonb, jsonb, jsonb) FROM PUBLIC;
