-- kinde_claims 0.1.0 -> 0.2.0: webhooks: kinde_webhook_apply(event jsonb) and its dedupe/ordering state.
\echo Use "ALTER EXTENSION kinde_claims UPDATE TO '0.2.0'" to load this file. \quit

-- Every version's script ends by taking default privileges off the objects it created.
SELECT kinde_claims.revoke_default_privileges();
