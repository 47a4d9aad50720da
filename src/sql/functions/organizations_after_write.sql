-- The rules, the merged-size check and the history of every write of an organization, whichever
-- path it takes.
CREATE OR REPLACE FUNCTION kinde_claims.organizations_after_write() RETURNS trigger
    AS 'MODULE_PATHNAME', 'kinde_claims_organizations_after_write' LANGUAGE C;
