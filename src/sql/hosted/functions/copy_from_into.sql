-- copy_from_into(relation text) RETURNS boolean: whether the client's statement is a COPY FROM
-- into that table itself (what pg_restore runs), by its text: current_query() is all SQL can see
-- (copy_from_into in organizations.cpp reads the active portal). `relation` is written as the
-- dump writes it, schema.table.
CREATE OR REPLACE FUNCTION kinde_claims.copy_from_into(relation text) RETURNS boolean
    LANGUAGE sql STABLE
    RETURN COALESCE(pg_catalog.current_query() OPERATOR(pg_catalog.~*)
        ('^\s*COPY\s+' OPERATOR(pg_catalog.||) pg_catalog.replace(relation, '.', '\.')
         OPERATOR(pg_catalog.||) '\M[^;]*\mFROM\M'), false);
REVOKE ALL ON FUNCTION kinde_claims.copy_from_into(text) FROM PUBLIC;
