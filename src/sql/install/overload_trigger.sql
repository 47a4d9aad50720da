CREATE EVENT TRIGGER kinde_claims_refuse_api_overloads ON ddl_command_end
    WHEN TAG IN ('CREATE FUNCTION', 'ALTER FUNCTION', 'CREATE PROCEDURE', 'ALTER PROCEDURE', 'ALTER ROUTINE',
                 'CREATE AGGREGATE', 'ALTER AGGREGATE', 'CREATE EXTENSION', 'ALTER EXTENSION')
    EXECUTE FUNCTION kinde_claims.refuse_api_overloads();
-- Also under session_replication_role = replica, which would otherwise switch it off.
ALTER EVENT TRIGGER kinde_claims_refuse_api_overloads ENABLE ALWAYS;
