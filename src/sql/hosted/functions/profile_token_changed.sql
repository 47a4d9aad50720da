-- profile_token_changed(kinde_id text, op text, old_flag boolean, old_claims jsonb,
-- new_flag boolean, new_claims jsonb) RETURNS void: one user's side of a profiles row write
-- (profiles_after_write.cpp): the memberships' stored tokens follow when the token's bytes
-- changed (and larger claims are checked against the merged-size limit), then, when the token's
-- value changed, the history entry and the notification `op` (insert, update, delete).
CREATE OR REPLACE FUNCTION kinde_claims.profile_token_changed(kinde_id text, op text,
        old_flag boolean, old_claims jsonb, new_flag boolean, new_claims jsonb) RETURNS void
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    old_token jsonb := kinde_claims.token_claims(old_flag, old_claims);
    new_token jsonb := kinde_claims.token_claims(new_flag, new_claims);
BEGIN
    -- jsonb's = ignores nothing a token shows but number scale ({"a": 1.0} equals {"a": 1});
    -- the stored tokens follow any change of the bytes, the text comparison.
    IF old_token::text IS DISTINCT FROM new_token::text THEN
        PERFORM kinde_claims.memberships_follow(kinde_id, NULL,
            new_claims IS NOT NULL AND new_claims <> '{}'::jsonb
            AND (old_claims IS NULL OR old_claims::text IS DISTINCT FROM new_claims::text));
    END IF;
    IF old_token = new_token THEN
        RETURN;
    END IF;
    PERFORM kinde_claims.history_record(kinde_id, old_token, new_token);
    IF coalesce(nullif(current_setting('kinde_claims.notify', true), '')::boolean, true) THEN
        PERFORM pg_notify('kinde_claims_changed',
            '{"kinde_id": ' || to_json(kinde_id)::text || ', "op": "' || op || '"}');
    END IF;
END
$$;
REVOKE ALL ON FUNCTION kinde_claims.profile_token_changed(text, text, boolean, jsonb, boolean, jsonb) FROM PUBLIC;
