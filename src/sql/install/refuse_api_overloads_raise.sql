        IF clash.same_schema THEN
            RAISE EXCEPTION USING ERRCODE = '42723',
                MESSAGE = format('%s would share its name with kinde_claims''s API function %s',
                                 clash.routine, clash.api_function),
                DETAIL = 'PostgREST matches an RPC call by function name and argument names and answers 300 PGRST203 '
                         'when two functions could take it: every token call would lose its claims.',
                HINT = format('Create it in a schema other than %s, or give it another name.', clash.schema_name);
        END IF;
        RAISE EXCEPTION USING ERRCODE = '42723',
            MESSAGE = format('%s would be named like kinde_claims''s API function %s',
                             clash.routine, clash.api_function),
            DETAIL = 'PostgREST looks a call up in the schema of the profile header, else the first schema it exposes: '
                     'a routine of that name there would answer the product''s calls instead of the extension.',
