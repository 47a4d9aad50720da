-- Nothing of it for PUBLIC or the API roles, the marker kinde_claims.sql_edition() included;
-- an upgrade keeps the operator's own grants but those to a role a default privilege names
-- (docs/hosted.md).
DO $$ BEGIN PERFORM kinde_claims.revoke_default_privileges(); END $$;
COMMIT;
