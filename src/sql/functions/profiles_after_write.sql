-- A change of what a user's token carries: a history entry, and NOTIFY kinde_claims_changed.
CREATE OR REPLACE FUNCTION kinde_claims.profiles_after_write() RETURNS trigger
    AS 'MODULE_PATHNAME', 'kinde_claims_profiles_after_write' LANGUAGE C;
