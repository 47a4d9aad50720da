-- Claim names Kinde issues itself (FACTS.md §6) are refused on every write path unless a
-- the owner lists them in kinde_claims.allowed_kinde_claims; Kinde's prohibited names never pass.
CREATE EXTENSION kinde_claims;
\set SHOW_CONTEXT never

\getenv abs_srcdir PG_ABS_SRCDIR
\set try_sql :abs_srcdir '/lib/try.sql'
\i :try_sql
\set setting_sql :abs_srcdir '/lib/setting.sql'
\i :setting_sql

-- The issue's example, with the full report.
SELECT kinde_profile_upsert('kp_x', false, '{"permissions": ["delete:all_users"], "org_code": "org_other"}');

-- The whole list, the prefixes, and names that only look alike.
SELECT pg_temp.kc_show('kinde_claims.allowed_kinde_claims') AS allowed_kinde_claims;
SELECT n, pg_temp.try(format('SELECT kinde_profile_upsert(%L, claims => %L)', 'kp_n', jsonb_build_object(n, 'x'))) AS result
FROM unnest(ARRAY['permissions', 'roles', 'org_code', 'org_name', 'feature_flags', 'email', 'external_organization_id',
                  'application_properties', 'organization_properties', 'user_properties', 'has_trial_period',
                  'trial_expires_on', 'at_hash', 'name', 'given_name', 'family_name', 'picture', 'org_codes',
                  'provided_id', 'https://hasura.io/jwt/claims', 'ext_groups', 'ext_x', 'x-hasura-user-id',
                  'x-hasura-default-role', 'X-Hasura-Role', 'EXT_groups',
                  'Permissions', 'permission', 'ext_', 'ext', 'x-hasura-', 'my_roles', 'app_org_code']) WITH ORDINALITY AS t(n, i)
ORDER BY i;
-- Nested keys are values, not claims.
SELECT pg_temp.try($$SELECT kinde_profile_upsert('kp_n', claims => '{"app": {"permissions": ["x"]}}')$$) AS nested;

-- The setting: validated, and lists exact names (who may set it: edition_settings.sql).
SELECT pg_temp.try($$SELECT pg_temp.kc_set('kinde_claims.allowed_kinde_claims', 'plan')$$) AS not_kinde_issued;
SELECT pg_temp.try($$SELECT pg_temp.kc_set('kinde_claims.allowed_kinde_claims', 'sub')$$) AS prohibited_name;
SELECT pg_temp.try($$SELECT pg_temp.kc_set('kinde_claims.allowed_kinde_claims', 'roles,,email')$$) AS empty_entry;
SELECT pg_temp.kc_set('kinde_claims.allowed_kinde_claims', 'bogus');
SELECT pg_temp.kc_set('kinde_claims.allowed_kinde_claims', 'permissions, ext_groups');
SELECT pg_temp.kc_show('kinde_claims.allowed_kinde_claims') AS allowed_kinde_claims;
SELECT pg_temp.try($$SELECT kinde_profile_upsert('kp_allowed', claims => '{"permissions": ["read:x"], "ext_groups": ["a"]}')$$) AS allowed_names;
SELECT pg_temp.try($$SELECT kinde_profile_upsert('kp_allowed', claims => '{"permissions": ["read:x"], "roles": ["admin"]}')$$) AS one_not_allowed;
SELECT pg_temp.try($$SELECT kinde_profile_upsert('kp_allowed', claims => '{"permissions": ["read:x"], "sub": "kp_other"}')$$) AS prohibited_stays_refused;
SELECT kinde_claims_for('kp_allowed');
SELECT pg_temp.kc_set('kinde_claims.allowed_kinde_claims', NULL);

-- A profile that holds an allowed name keeps it when the setting goes away; changing it is refused.
SELECT kinde_claims.claims_problems(claims) FROM kinde_claims.profiles WHERE kinde_id = 'kp_allowed';
SELECT pg_temp.try($$UPDATE kinde_claims.profiles SET lifetime_subscriber = true, claims = claims || '{"plan": "pro"}' WHERE kinde_id = 'kp_allowed'$$) AS keeps_it;
SELECT pg_temp.try($$UPDATE kinde_claims.profiles SET claims = claims || '{"permissions": ["write:x"]}' WHERE kinde_id = 'kp_allowed'$$) AS changes_it;
SELECT kinde_claims_for('kp_allowed');

-- Direct writes.
SELECT pg_temp.try($$INSERT INTO kinde_claims.profiles (kinde_id, claims) VALUES ('kp_direct', '{"org_code": "org_x"}')$$) AS insert_issued;
SELECT pg_temp.try($$INSERT INTO kinde_claims.profiles (kinde_id, claims) VALUES ('kp_direct', '{"plan": "pro"}')$$) AS insert_good;
SELECT pg_temp.try($$UPDATE kinde_claims.profiles SET claims = '{"x-hasura-role": "admin"}' WHERE kinde_id = 'kp_direct'$$) AS update_issued;

-- kinde_profile_upsert_trigger on an app table: a claim mapped to a Kinde-issued name is refused on the row write.
CREATE TABLE public.members (kinde_user_id text, org text, plan text);
CREATE TRIGGER members_claims AFTER INSERT OR UPDATE OR DELETE ON public.members FOR EACH ROW
    EXECUTE FUNCTION kinde_profile_upsert_trigger('kinde_user_id', 'org_code=org', 'plan');
INSERT INTO public.members VALUES ('kp_member', 'org_other', 'pro');
SELECT pg_temp.try($$INSERT INTO public.members VALUES ('kp_member', NULL, 'pro')$$) AS null_value_sets_nothing;
SELECT pg_temp.kc_set('kinde_claims.allowed_kinde_claims', 'org_code');
SELECT pg_temp.try($$INSERT INTO public.members VALUES ('kp_member2', 'org_mine', 'team')$$) AS allowed;
SELECT pg_temp.kc_set('kinde_claims.allowed_kinde_claims', NULL);
SELECT pg_temp.try($$UPDATE public.members SET plan = 'team2' WHERE kinde_user_id = 'kp_member2'$$) AS unchanged_value;
SELECT pg_temp.try($$UPDATE public.members SET org = 'org_else' WHERE kinde_user_id = 'kp_member2'$$) AS changed_value;
SELECT kinde_claims_for('kp_member'), kinde_claims_for('kp_member2');
DROP TABLE public.members;

SELECT kinde_id, claims FROM kinde_claims.profiles ORDER BY kinde_id;
DROP EXTENSION kinde_claims;
