-- Claims per organization (0.6.0): the org code rule, the merge, the write functions under the
-- claims rules, the merged-size guarantee, the history of every member, and the grants.
CREATE EXTENSION kinde_claims;
\getenv abs_srcdir PG_ABS_SRCDIR
\set setting_sql :abs_srcdir '/lib/setting.sql'
\i :setting_sql
\set SHOW_CONTEXT never
\set VERBOSITY default
\getenv abs_srcdir PG_ABS_SRCDIR
\set try_sql :abs_srcdir '/lib/try.sql'
\i :try_sql

-- One function, two arities: PostgREST sees one candidate with or without org_code.
SELECT p.oid::regprocedure, pg_get_function_arguments(p.oid)
FROM pg_proc p WHERE p.proname = 'kinde_claims_for' ORDER BY 1;

-- The org code rule: org_ then 1 to 64 letters or digits; NULL is no organization.
SELECT kinde_claims_for('kp_o1', NULL);
SELECT kinde_claims_for('kp_o1', 'org_' || repeat('a', 64)) AS longest_ok;
\set ON_ERROR_STOP 0
SELECT kinde_claims_for('kp_o1', 'org_');
SELECT kinde_claims_for('kp_o1', 'org_' || repeat('a', 65));
SELECT kinde_claims_for('kp_o1', 'ORG_abc');
SELECT kinde_claims_for('kp_o1', 'org_ab-c');
SELECT kinde_claims_for('kp_o1', 'org_abc ');
SELECT kinde_claims_for('kp_o1', E'org_ab\u00e9');
SELECT kinde_claims_for('kp_o1', E'org_a\nb');
SELECT kinde_claims_for('kp_o1', '');
SELECT kinde_claims_for(NULL, 'org_abc');
SELECT kinde_organization_upsert('org_a/b', '{}');
SELECT kinde_organization_upsert(NULL, '{}');
SELECT kinde_organization_delete('0rg_abc');
SELECT kinde_membership_upsert('kp_o1', 'org_a%20b');
SELECT kinde_membership_upsert('kp_o1', NULL);
SELECT kinde_membership_upsert('kp_bad-id', 'org_abc');
SELECT kinde_membership_delete('kp_o1', 'org_');
\set ON_ERROR_STOP 1

-- The writes obey every rule of the user's claims: an object, names, Kinde's names, size.
\set ON_ERROR_STOP 0
SELECT kinde_organization_upsert('org_rules', '[1]');
SELECT kinde_organization_upsert('org_rules', '{"lifetime_subscriber": true}');
SELECT kinde_organization_upsert('org_rules', '{"sub": "kp_someoneelse"}');
SELECT kinde_organization_upsert('org_rules', '{"bad name": 1}');
SELECT kinde_organization_upsert('org_rules', jsonb_build_object('big', repeat('x', 5000)));
SELECT kinde_membership_upsert('kp_o1', 'org_rules', '"seat"');
SELECT kinde_membership_upsert('kp_o1', 'org_rules', '{"exp": 1}');
SELECT kinde_membership_upsert('kp_o1', 'org_rules', jsonb_build_object('big', repeat('x', 5000)));
-- The same rules for direct writes of the owner.
INSERT INTO kinde_claims.organizations (org_code, claims) VALUES ('org_rules', '{"iss": "x"}');
INSERT INTO kinde_claims.organizations (org_code) VALUES ('org-rules');
INSERT INTO kinde_claims.memberships (kinde_id, org_code, claims) VALUES ('kp_o1', 'org_rules', '{"aud": 1}');
INSERT INTO kinde_claims.memberships (kinde_id, org_code) VALUES ('kp_o1', 'org rules');
\set ON_ERROR_STOP 1
-- Nothing half-written.
SELECT (SELECT count(*) FROM kinde_claims.organizations) AS organizations,
       (SELECT count(*) FROM kinde_claims.memberships) AS memberships,
       (SELECT count(*) FROM kinde_claims.profiles) AS profiles;

-- The merge. The user's claims, then the organization's, then the membership's; later names win.
SELECT kinde_profile_upsert('kp_o1', true, '{"plan": "free", "user_only": 1, "seat": "user"}');
SELECT kinde_organization_upsert('org_acme', '{"plan": "enterprise", "seats": 50, "seat": "org"}');
SELECT kinde_organization_upsert('org_other', '{"plan": "other", "other_secret": true}');
-- Not a member the database knows of: exactly today's answer, for either organization.
SELECT kinde_claims_for('kp_o1') AS user_only, kinde_claims_for('kp_o1', 'org_acme') AS not_a_member;
SELECT kinde_claims_for('kp_o1', 'org_acme') = kinde_claims_for('kp_o1') AS same_as_user_only;
-- A member with no claims of its own gets the organization's claims.
SELECT kinde_membership_upsert('kp_o1', 'org_acme');
SELECT kinde_claims_for('kp_o1', 'org_acme');
-- The membership's claims win over the organization's; lifetime_subscriber stays the user's.
SELECT kinde_membership_upsert('kp_o1', 'org_acme', '{"seat": "admin", "role_in_org": "owner"}');
SELECT kinde_claims_for('kp_o1', 'org_acme');
-- A token for one organization never carries another's claims.
SELECT kinde_membership_upsert('kp_o1', 'org_other', '{"seat": "viewer"}');
SELECT kinde_claims_for('kp_o1', 'org_acme') ? 'other_secret' AS acme_has_other,
       kinde_claims_for('kp_o1', 'org_other') ? 'role_in_org' AS other_has_acme_membership,
       kinde_claims_for('kp_o1', 'org_other');
-- Without org_code, still exactly the user's.
SELECT kinde_claims_for('kp_o1'), kinde_claims_for(user_id => 'kp_o1', org_code => NULL);
-- An organization with nothing stored, and an unknown user in a stored one.
SELECT kinde_claims_for('kp_o1', 'org_nothing') = kinde_claims_for('kp_o1') AS nothing_stored;
SELECT kinde_claims_for('kp_nobody', 'org_acme');
-- A member with no profile: the organization's and the membership's claims, flag false.
SELECT kinde_membership_upsert('kp_noprofile', 'org_acme', '{"seat": "guest"}');
DELETE FROM kinde_claims.profiles WHERE kinde_id = 'kp_noprofile';
SELECT kinde_claims_for('kp_noprofile', 'org_acme');
-- A user whose claims override everything of the organization: numbers and nesting survive.
SELECT kinde_organization_upsert('org_acme', '{"plan": "enterprise", "limits": {"api": 1000}, "ratio": 0.25}');
SELECT kinde_claims_for('kp_o1', 'org_acme');
-- NULL claims keep the stored ones; the functions return the part they wrote.
SELECT kinde_organization_upsert('org_acme'), kinde_membership_upsert('kp_o1', 'org_acme');
-- A membership write creates a default profile and an empty organization row when missing.
SELECT kinde_membership_upsert('kp_o2', 'org_fresh');
SELECT kinde_id, lifetime_subscriber, claims FROM kinde_claims.profiles WHERE kinde_id = 'kp_o2';
SELECT org_code, claims FROM kinde_claims.organizations WHERE org_code = 'org_fresh';
SELECT kinde_claims_for('kp_o2', 'org_fresh');

-- Deletes.
SELECT kinde_membership_delete('kp_o1', 'org_other'), kinde_membership_delete('kp_o1', 'org_other');
SELECT kinde_claims_for('kp_o1', 'org_other') = kinde_claims_for('kp_o1') AS gone_with_membership;
SELECT kinde_organization_delete('org_other'), kinde_organization_delete('org_other');
SELECT kinde_organization_delete('org_acme');
SELECT count(*) AS acme_memberships_left FROM kinde_claims.memberships WHERE org_code = 'org_acme';
SELECT kinde_claims_for('kp_o1', 'org_acme') = kinde_claims_for('kp_o1') AS gone_with_organization;
-- Keys cannot move.
\set ON_ERROR_STOP 0
UPDATE kinde_claims.organizations SET org_code = 'org_moved' WHERE org_code = 'org_fresh';
UPDATE kinde_claims.memberships SET kinde_id = 'kp_moved' WHERE kinde_id = 'kp_o2';
\set ON_ERROR_STOP 1

-- The merged-size guarantee: the sum of the three parts never passes max_claims_bytes.
SELECT pg_temp.kc_set('kinde_claims.max_claims_bytes', '99');
SELECT kinde_profile_upsert('kp_s1', NULL, jsonb_build_object('u', repeat('u', 30)));  -- 39 bytes
SELECT kinde_organization_upsert('org_size', jsonb_build_object('o', repeat('o', 30)));  -- 39 bytes
SELECT kinde_membership_upsert('kp_s1', 'org_size', jsonb_build_object('m', repeat('m', 12)));  -- 21: 99 in all, the limit
SELECT octet_length(kinde_claims_for('kp_s1', 'org_size')::text) AS token_bytes_with_flag;
\set ON_ERROR_STOP 0
-- One byte more, from any of the three parts, is refused: 22023, naming the member.
SELECT kinde_membership_upsert('kp_s1', 'org_size', jsonb_build_object('m', repeat('m', 13)));
SELECT kinde_organization_upsert('org_size', jsonb_build_object('o', repeat('o', 31)));
SELECT kinde_profile_upsert('kp_s1', NULL, jsonb_build_object('u', repeat('u', 31)));
UPDATE kinde_claims.profiles SET claims = jsonb_build_object('u', repeat('u', 31)) WHERE kinde_id = 'kp_s1';
-- A new membership brings the organization's claims in, even with none of its own.
SELECT kinde_profile_upsert('kp_s2', NULL, jsonb_build_object('u', repeat('u', 60)));
SELECT kinde_membership_upsert('kp_s2', 'org_size');
\set ON_ERROR_STOP 1
SELECT kinde_claims_for('kp_s1', 'org_size') = kinde_claims_for('kp_s1') || '{"o": "oooooooooooooooooooooooooooooo", "m": "mmmmmmmmmmmm"}' AS unchanged;
-- Smaller is always allowed, and shared names count once in the token but fully in the sum.
SELECT kinde_membership_upsert('kp_s1', 'org_size', '{}');
SELECT kinde_organization_upsert('org_size', jsonb_build_object('o', repeat('o', 50)));
SELECT pg_temp.kc_set('kinde_claims.max_claims_bytes', NULL);

-- History: an organization's change records one entry per member whose token changed, with
-- the organization; a membership's change one entry for that user.
SELECT kinde_organization_upsert('org_h', '{"plan": "basic"}');
SELECT kinde_membership_upsert('kp_h' || i, 'org_h') FROM generate_series(1, 3) i;
SELECT kinde_membership_upsert('kp_h3', 'org_h', '{"plan": "member-override"}');
SELECT kinde_id, org_code, source, old_claims, new_claims FROM kinde_claims.claims_history
WHERE org_code = 'org_h' ORDER BY id;
DELETE FROM kinde_claims.claims_history;
-- kp_h3's own plan wins, so its token does not change: no entry for it.
SELECT kinde_organization_upsert('org_h', '{"plan": "pro"}');
SELECT kinde_id, org_code, source, old_claims, new_claims FROM kinde_claims.claims_history ORDER BY id;
-- The feed gives sync every member the change reached.
SELECT jsonb_path_query_array(kinde_claims_changes_lease('regress', 100, 30), '$.users[*].user_id') AS leased;
-- The same claims again, and a rolled-back change: nothing.
SELECT kinde_organization_upsert('org_h', '{"plan": "pro"}');
BEGIN;
SELECT kinde_organization_upsert('org_h', '{"plan": "rolled back"}');
ROLLBACK;
SELECT count(*) AS entries FROM kinde_claims.claims_history;
-- Deleting the organization: each member's token loses it, recorded once per member.
SELECT kinde_organization_delete('org_h');
SELECT kinde_id, org_code, source, old_claims, new_claims FROM kinde_claims.claims_history
WHERE pushed_at IS NULL AND lease_id IS NULL ORDER BY id;

-- The row triggers read their tables' columns by the numbers the catalog resolved: attached to
-- another table, they refuse (39P01) rather than read its rows as memberships or organizations.
CREATE TABLE public.not_memberships (kinde_id text, org_code text, claims jsonb, token jsonb);
CREATE TRIGGER misplaced BEFORE INSERT ON public.not_memberships
    FOR EACH ROW EXECUTE FUNCTION kinde_claims.memberships_before_write();
SELECT pg_temp.try($$INSERT INTO public.not_memberships VALUES ('kp_x', 'org_x', '{}', NULL)$$);
DROP TRIGGER misplaced ON public.not_memberships;
CREATE TRIGGER misplaced AFTER DELETE ON public.not_memberships
    FOR EACH ROW EXECUTE FUNCTION kinde_claims.organizations_after_write();
INSERT INTO public.not_memberships VALUES ('kp_x', 'org_x', '{}', NULL);
SELECT pg_temp.try($$DELETE FROM public.not_memberships$$);
DROP TABLE public.not_memberships;

-- Privileges: nobody but the owner may call the new functions after install; the token path
-- keeps one function for the workflow's role.
SELECT p.oid::regprocedure, p.proacl FROM pg_proc p
WHERE p.proname IN ('kinde_claims_for', 'kinde_organization_upsert', 'kinde_organization_delete',
                    'kinde_membership_upsert', 'kinde_membership_delete') ORDER BY p.oid::regprocedure::text;
SELECT c.oid::regclass, c.relacl, c.relrowsecurity FROM pg_class c
WHERE c.oid IN ('kinde_claims.organizations'::regclass, 'kinde_claims.memberships'::regclass) ORDER BY 1;

DROP EXTENSION kinde_claims;
