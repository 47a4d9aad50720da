// Issue 10 items 1 and 2, the workflow's side: what reaches the access token is exactly what the
// database says, and never a name Kinde issues itself. The answers come from Postgres through the
// PostgREST stand-in, as jsonb text, from a schema whose kinde_claims_for serves rows the
// extension's write rules would refuse today (profiles stored before the rules, or written around
// them), so the workflow's own checks are what is tested.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mintJwt, root, runWorkflow, scratchDatabase, startStandIn } from './helpers.mjs';

const { default: workflow } = await import(`${root}/build/kindeSrc/environment/workflows/kindeClaimsWorkflow.js`);
const { KINDE_ISSUED_CLAIMS, KINDE_ISSUED_CLAIM_PREFIXES, PROHIBITED_CLAIMS, survivesDouble } =
  await import(`${root}/build/kindeSrc/environment/workflows/kindeClaimsRules.js`);

const readerKey = await mintJwt({ role: 'kinde_workflow' });
let crafted;
let scratch;
let serial = 0;

before(async () => {
  scratch = await scratchDatabase('kc_token_crafted');
  await scratch.query(`CREATE SCHEMA crafted;
    CREATE TABLE crafted.answers (user_id text PRIMARY KEY, answer jsonb NOT NULL);
    GRANT USAGE ON SCHEMA crafted TO kinde_workflow;
    GRANT SELECT ON crafted.answers TO kinde_workflow;
    CREATE FUNCTION crafted.kinde_claims_for(user_id text) RETURNS jsonb LANGUAGE sql STABLE AS
      'SELECT answer FROM crafted.answers a WHERE a.user_id = kinde_claims_for.user_id';`);
  crafted = await startStandIn({ PGRST_DB_URI: scratch.uri, PGRST_DB_SCHEMAS: 'crafted' });
});
after(async () => {
  await crafted?.stop();
  await scratch?.drop();
});

// Serves `answer` (jsonb text, kept exactly as Postgres prints it) to one run of the workflow.
async function runWith(answer, env = {}) {
  serial += 1;
  const userId = `kp_crafted${String(serial).padStart(4, '0')}`;
  await scratch.query('INSERT INTO crafted.answers VALUES ($1, $2::jsonb)', [userId, answer]);
  const result = await runWorkflow(workflow, {
    userId, env: { KINDE_CLAIMS_URL: crafted.url, KINDE_CLAIMS_API_KEY: readerKey, ...env },
  });
  assert.equal(result.threw, undefined, `the workflow threw: ${result.threw}`);
  assert.deepEqual(result.denied, []);
  return result;
}

describe('numbers arrive exactly as stored, or not at all (FACTS.md §7)', () => {
  it('survivesDouble follows FACTS.md §7', () => {
    for (const text of ['0', '-0', '0.1', '9.90', '1.5e3', '9007199254740992', '1e308', '5e-324', '-2.5E-3',
      '100000000000000000000', '1.7976931348623157e308']) {
      assert.equal(survivesDouble(text), true, text);
    }
    for (const text of ['750727362669608961', '9007199254740993', '1e-400', '1e400', '0.10000000000000000001',
      '12345678901234567890', '2.4703282292062328e-324']) {
      assert.equal(survivesDouble(text), false, text);
    }
  });

  it('a claim holding a number a double cannot hold is skipped and logged, the rest set', async () => {
    const result = await runWith(`{"lifetime_subscriber": true, "plan": "pro", "org_id": 750727362669608961,
      "limits": {"seats": 5, "quota": [1, 2, 12345678901234567890]}, "tiny": 1e-400, "price": 9.90}`);
    assert.deepEqual(result.claims, { plan: 'pro', price: 9.9, lifetime_subscriber: true });
    assert.equal(result.logs.length, 1, JSON.stringify(result.logs));
    assert.match(result.logs[0], /skipped claims holding a number a token cannot carry exactly \(store it as a string\): /);
    assert.match(result.logs[0], /\borg_id \(750727362669608961\)/);
    assert.match(result.logs[0], /\blimits \(12345678901234567890\)/);
    assert.match(result.logs[0], /\btiny \(0\.0{10}/, 'Postgres prints 1e-400 in full; the log cuts it');
  });

  it('numbers that survive the trip are set as doubles, nothing logged', async () => {
    const result = await runWith(`{"lifetime_subscriber": false, "a": 0.1, "b": 9.90, "c": 9007199254740992,
      "d": 1e308, "e": 5e-324, "f": -0, "g": [-1.5, 0, 1000000], "h": {"i": 2.5e-7}}`);
    assert.deepEqual(result.claims, {
      a: 0.1, b: 9.9, c: 2 ** 53, d: 1e308, e: 5e-324, f: 0, g: [-1.5, 0, 1000000], h: { i: 2.5e-7 },
      lifetime_subscriber: false,
    });
    assert.deepEqual(result.logs, []);
  });

  it('the same number carried as a string arrives exactly', async () => {
    const result = await runWith('{"lifetime_subscriber": true, "org_id": "750727362669608961"}');
    assert.deepEqual(result.claims, { org_id: '750727362669608961', lifetime_subscriber: true });
    assert.deepEqual(result.logs, []);
  });
});

describe("names Kinde issues itself are not set (FACTS.md §6)", () => {
  it('the lists are the ones FACTS.md §6 names, disjoint from the prohibited list', () => {
    assert.deepEqual(KINDE_ISSUED_CLAIMS, [
      'permissions', 'roles', 'org_code', 'org_name', 'feature_flags', 'email', 'external_organization_id',
      'application_properties', 'organization_properties', 'user_properties', 'has_trial_period',
      'trial_expires_on', 'at_hash', 'name', 'given_name', 'family_name', 'picture', 'org_codes', 'provided_id',
      'https://hasura.io/jwt/claims',
    ]);
    assert.deepEqual(KINDE_ISSUED_CLAIM_PREFIXES, ['ext_', 'x-hasura-']);
    for (const name of KINDE_ISSUED_CLAIMS) assert.ok(!PROHIBITED_CLAIMS.includes(name), name);
  });

  it('issue 10 item 2: permissions and org_code from the database never reach the token', async () => {
    const result = await runWith('{"lifetime_subscriber": false, "permissions": ["delete:all_users"], "org_code": "org_other"}');
    assert.deepEqual(result.claims, { lifetime_subscriber: false });
    assert.equal(result.logs.length, 1);
    assert.match(result.logs[0],
      /skipped claims Kinde issues itself: org_code, permissions \(allow one with KINDE_CLAIMS_ALLOWED_KINDE_CLAIMS\)$/);
  });

  it('every listed name, every prefix (in any case) is skipped; look-alikes are set', async () => {
    const answer = { lifetime_subscriber: true, plan: 'pro' };
    for (const name of KINDE_ISSUED_CLAIMS) answer[name] = 'x';
    Object.assign(answer, { ext_groups: ['a'], EXT_Groups: 1, 'x-hasura-role': 'admin', 'X-Hasura-User-Id': 'u' });
    // Look-alikes, and a prefix alone (the C++ rules, too, want something after the prefix).
    Object.assign(answer, { Permissions: 'set', ext: 'set', ext_: 'set', 'x-hasura-': 'set', my_org_code: 'set', 'https://hasura.io/jwt': 'set' });
    const result = await runWith(JSON.stringify(answer));
    assert.deepEqual(result.claims, {
      ext: 'set', ext_: 'set', plan: 'pro', Permissions: 'set', 'x-hasura-': 'set', my_org_code: 'set', lifetime_subscriber: true,
      'https://hasura.io/jwt': 'set',
    });
    const skipped = /skipped claims Kinde issues itself: (.*) \(allow one/.exec(result.logs[0]);
    assert.ok(skipped, JSON.stringify(result.logs));
    const names = skipped[1].split(', ');
    assert.equal(names.length, 20, 'the line lists at most 20 names');
    assert.match(skipped[1], / and 4 more$/);
  });

  it('KINDE_CLAIMS_ALLOWED_KINDE_CLAIMS lets exactly the names it lists through', async () => {
    const result = await runWith(
      '{"lifetime_subscriber": true, "org_code": "org_1ccfb819462", "ext_groups": ["admins"], "ext_roles": ["x"], "roles": ["y"]}',
      { KINDE_CLAIMS_ALLOWED_KINDE_CLAIMS: ' org_code, ext_groups ,,' },
    );
    assert.deepEqual(result.claims, { org_code: 'org_1ccfb819462', ext_groups: ['admins'], lifetime_subscriber: true });
    assert.equal(result.logs.length, 1);
    assert.match(result.logs[0], /skipped claims Kinde issues itself: roles, ext_roles /);
  });

  it('the allow-list cannot let a prohibited name through', async () => {
    const result = await runWith('{"lifetime_subscriber": true, "sub": "kp_attacker", "exp": 1}',
      { KINDE_CLAIMS_ALLOWED_KINDE_CLAIMS: 'sub,exp' });
    assert.deepEqual(result.claims, { lifetime_subscriber: true });
    assert.match(result.logs[0], /skipped claims Kinde reserves: sub, exp$|skipped claims Kinde reserves: exp, sub$/);
  });
});
