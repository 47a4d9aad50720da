-- loggable_user_id(user_id text) RETURNS text: a hook event's user id as log lines show it:
-- quoted and cut with quote_for_message, "missing" for none.
CREATE OR REPLACE FUNCTION kinde_claims.loggable_user_id(user_id text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN COALESCE(kinde_claims.quote_for_message(user_id), 'missing');
REVOKE ALL ON FUNCTION kinde_claims.loggable_user_id(text) FROM PUBLIC;
