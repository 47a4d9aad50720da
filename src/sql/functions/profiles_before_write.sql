-- The rules hold for every write of a profile, whether from kinde_profile_upsert or an admin's UPDATE.
CREATE OR REPLACE FUNCTION kinde_claims.profiles_before_write() RETURNS trigger
    AS 'MODULE_PATHNAME', 'kinde_claims_profiles_before_write' LANGUAGE C;
