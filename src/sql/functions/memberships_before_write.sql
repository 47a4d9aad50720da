-- A membership's token, computed from its parents (created and share-locked first) as it is written.
CREATE OR REPLACE FUNCTION kinde_claims.memberships_before_write() RETURNS trigger
    AS 'MODULE_PATHNAME', 'kinde_claims_memberships_before_write' LANGUAGE C;
