-- The rules, the merged-size check and the history of every write of a membership.
CREATE OR REPLACE FUNCTION kinde_claims.memberships_after_write() RETURNS trigger
    AS 'MODULE_PATHNAME', 'kinde_claims_memberships_after_write' LANGUAGE C;
