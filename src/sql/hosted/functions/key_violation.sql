-- key_violation(key text, organization boolean) RETURNS text[]: the error {message, detail} for a
-- non-NULL key that is not a Kinde user id (or, with `organization`, not an org code); else NULL.
CREATE OR REPLACE FUNCTION kinde_claims.key_violation(key text, organization boolean) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE
        WHEN organization AND NOT (key COLLATE "C" ~ '^org_[0-9A-Za-z]{1,64}$') THEN
            ARRAY['invalid organization code ' || kinde_claims.quote_for_message(key),
                  'An organization code is "org_" followed by 1 to 64 letters or digits, such as org_1ccfb819462.']
        WHEN NOT organization AND NOT (key COLLATE "C" ~ '^kp_[0-9A-Za-z]{1,64}$') THEN
            ARRAY['invalid Kinde user id ' || kinde_claims.quote_for_message(key),
                  'A Kinde user id is "kp_" followed by 1 to 64 letters or digits, such as kp_65b28d71bba14fa380d56d2d8d3503da.']
        END;
REVOKE ALL ON FUNCTION kinde_claims.key_violation(text, boolean) FROM PUBLIC;
