-- acting_role() RETURNS text: the role the writing transaction acts as (SET ROLE's role,
-- PostgREST's role switch), which no SECURITY DEFINER function in between changes; the session
-- user without one (acting_role in claims_history.cpp). Unlike the C++ edition it cannot tell a
-- role left by a plain SET of an earlier transaction (behind a transaction pooler) from this
-- transaction's own: a setting's stack is not visible to SQL.
CREATE OR REPLACE FUNCTION kinde_claims.acting_role() RETURNS text
    LANGUAGE sql STABLE
    RETURN CASE WHEN pg_catalog.current_setting('role') OPERATOR(pg_catalog.=) 'none'
                THEN pg_catalog.session_user()::text ELSE pg_catalog.current_setting('role') END;
REVOKE ALL ON FUNCTION kinde_claims.acting_role() FROM PUBLIC;
