// The Kinde workflow, compiled by tsc, run with Kinde's bindings whose fetch makes real HTTP calls
// to the PostgREST stand-in over the real Postgres with the extension. Each test names the case
// and shows the token's custom claims it ends with.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  admin, adminClient, closedPort, mintJwt, postgrestUrl, root, runWorkflow as runWithBindings, scratchDatabase,
  startStandIn,
} from './helpers.mjs';

const { default: workflow, workflowSettings } =
  await import(`${root}/build/kindeSrc/environment/workflows/kindeClaimsWorkflow.js`);

// Every run in this file must return normally, whatever it met.
async function runWorkflow(workflowFn, options) {
  const result = await runWithBindings(workflowFn, options);
  assert.equal(result.threw, undefined, `the workflow threw: ${result.threw}`);
  return result;
}

const readerKey = await mintJwt({ role: 'kinde_workflow' });
const envFor = (url, extra = {}) => ({ KINDE_CLAIMS_URL: url, KINDE_CLAIMS_API_KEY: readerKey, ...extra });
const secrets = [readerKey];

function assertNoSecretsLogged(result) {
  for (const line of result.logs) {
    for (const secret of secrets) assert.ok(!line.includes(secret), `a log line carries the API key: ${line}`);
  }
}

// A failure leaves the token without custom claims, logs why, and (fail-open) does not deny.
function assertFailedOpen(result, reason) {
  assert.deepEqual(result.claims, {}, 'no claims on the token');
  assert.deepEqual(result.denied, [], 'sign-in is not denied');
  assert.equal(result.logs.length, 1, `one log line, got ${JSON.stringify(result.logs)}`);
  assert.match(result.logs[0], reason);
  assert.match(result.logs[0], /token issued without them/);
  assertNoSecretsLogged(result);
}

before(async () => {
  await admin(`SELECT kinde_profile_upsert('kp_65b28d71bba14fa380d56d2d8d3503da', true, '{"plan": "pro", "seats": 5}')`);
  await admin(`SELECT kinde_profile_upsert('kp_regular0001', false)`);
  await admin(`SELECT kinde_profile_upsert('kp_custom0001', false,
    '{"plan": "team", "https://example.com/roles": ["admin", "billing"], "limits": {"projects": 10}}')`);
  // A row that breaks the rules can only come from outside them (a restore, a write with
  // triggers off); the workflow must still never put Kinde's reserved claims on the token.
  await admin(`SELECT kinde_profile_upsert('kp_reserved0001', true, '{"plan": "pro"}')`);
  await admin(`SET session_replication_role = replica;
    UPDATE kinde_claims.profiles SET claims = '{"plan": "pro", "exp": 9999999999, "sub": "kp_attacker", "aud": "x"}'
    WHERE kinde_id = 'kp_reserved0001'`);
});

describe('workflow settings', () => {
  it('declares the user token generation trigger and the bindings it uses', () => {
    assert.equal(workflowSettings.trigger, 'user:tokens_generation');
    for (const binding of ['kinde.accessToken', 'kinde.fetch', 'kinde.env', 'kinde.auth', 'url']) {
      assert.ok(binding in workflowSettings.bindings, `binding ${binding}`);
    }
  });
});

describe('claims from PostgREST onto the access token', () => {
  it('subscriber: one GET to kinde_claims_for, claims {lifetime_subscriber: true, plan, seats}', async () => {
    const result = await runWorkflow(workflow, { userId: 'kp_65b28d71bba14fa380d56d2d8d3503da', env: envFor(postgrestUrl) });
    assert.deepEqual(result.claims, { plan: 'pro', seats: 5, lifetime_subscriber: true });
    assert.equal(result.requests.length, 1);
    const [{ url, options }] = result.requests;
    assert.equal(url, `${postgrestUrl}/rpc/kinde_claims_for?user_id=kp_65b28d71bba14fa380d56d2d8d3503da`);
    assert.equal(options.method, 'GET');
    assert.equal(options.body, undefined);
    assert.equal(options.headers.authorization, `Bearer ${readerKey}`);
    assert.equal(options.headers.apikey, readerKey);
    assert.deepEqual(result.denied, []);
    assert.deepEqual(result.logs, []);
  });

  it('non-subscriber: {lifetime_subscriber: false}', async () => {
    const result = await runWorkflow(workflow, { userId: 'kp_regular0001', env: envFor(postgrestUrl) });
    assert.deepEqual(result.claims, { lifetime_subscriber: false });
  });

  it('unknown user: the defaults, {lifetime_subscriber: false}', async () => {
    const result = await runWorkflow(workflow, { userId: 'kp_neverseen0001', env: envFor(postgrestUrl) });
    assert.deepEqual(result.claims, { lifetime_subscriber: false });
    assert.deepEqual(result.logs, []);
  });

  it('custom claims: URI-named, array and object values arrive as JSON values', async () => {
    const result = await runWorkflow(workflow, { userId: 'kp_custom0001', env: envFor(postgrestUrl) });
    assert.deepEqual(result.claims, {
      plan: 'team',
      limits: { projects: 10 },
      lifetime_subscriber: false,
      'https://example.com/roles': ['admin', 'billing'],
    });
  });

  it('a change in the database shows in the next token (refresh)', async () => {
    await admin(`SELECT kinde_profile_upsert('kp_upgrade0001', false)`);
    const before = await runWorkflow(workflow, { userId: 'kp_upgrade0001', env: envFor(postgrestUrl) });
    await admin(`SELECT kinde_profile_upsert('kp_upgrade0001', true, '{"plan": "lifetime"}')`);
    const after = await runWorkflow(workflow, { userId: 'kp_upgrade0001', env: envFor(postgrestUrl) });
    assert.deepEqual(before.claims, { lifetime_subscriber: false });
    assert.deepEqual(after.claims, { plan: 'lifetime', lifetime_subscriber: true });
  });

  it("prohibited names in the response: Kinde's reserved claims are skipped, the rest set", async () => {
    const result = await runWorkflow(workflow, { userId: 'kp_reserved0001', env: envFor(postgrestUrl) });
    assert.deepEqual(result.claims, { plan: 'pro', lifetime_subscriber: true });
    assert.equal(result.logs.length, 1);
    assert.match(result.logs[0], /skipped claims Kinde reserves: .*\bexp\b/);
    assert.match(result.logs[0], /\bsub\b/);
    assert.match(result.logs[0], /\baud\b/);
  });

  it('the user id is URL-encoded into the query string', async () => {
    const result = await runWorkflow(workflow, { userId: 'kp_a&user_id=kp_b', env: envFor(postgrestUrl) });
    assert.equal(result.requests[0].url, `${postgrestUrl}/rpc/kinde_claims_for?user_id=kp_a%26user_id%3Dkp_b`);
    // The database refuses the malformed id (22023, HTTP 400): nothing reaches the token.
    assertFailedOpen(result, /PostgREST error 22023: invalid Kinde user id/);
  });

  it('KINDE_CLAIMS_GATEWAY_KEY goes in the apikey header, the secret stays the bearer token', async () => {
    const result = await runWorkflow(workflow, {
      userId: 'kp_regular0001',
      env: envFor(postgrestUrl, { KINDE_CLAIMS_GATEWAY_KEY: 'sb_publishable_gateway_key' }),
    });
    assert.equal(result.requests[0].options.headers.apikey, 'sb_publishable_gateway_key');
    assert.equal(result.requests[0].options.headers.authorization, `Bearer ${readerKey}`);
    assert.deepEqual(result.claims, { lifetime_subscriber: false });
  });

  it("PostgREST 13's GET statement shape gives the same claims", async () => {
    const v13 = await startStandIn({ PGRST_STATEMENT_SHAPE: 'v13' });
    try {
      const result = await runWorkflow(workflow, { userId: 'kp_65b28d71bba14fa380d56d2d8d3503da', env: envFor(v13.url) });
      assert.deepEqual(result.claims, { plan: 'pro', seats: 5, lifetime_subscriber: true });
    } finally {
      await v13.stop();
    }
  });
});

describe('PostgREST error bodies never reach the token', () => {
  it('401: a JWT signed with another secret (PGRST301)', async () => {
    const forged = await mintJwt({ role: 'kinde_workflow' }, { secret: 'x'.repeat(40) });
    secrets.push(forged);
    const result = await runWorkflow(workflow, {
      userId: 'kp_65b28d71bba14fa380d56d2d8d3503da',
      env: { KINDE_CLAIMS_URL: postgrestUrl, KINDE_CLAIMS_API_KEY: forged },
    });
    assertFailedOpen(result, /PostgREST error PGRST301/);
  });

  it('401: the anon key as the bearer token (anon may not execute kinde_claims_for, 42501)', async () => {
    const anonKey = await mintJwt({ role: 'anon' });
    secrets.push(anonKey);
    const result = await runWorkflow(workflow, {
      userId: 'kp_65b28d71bba14fa380d56d2d8d3503da',
      env: { KINDE_CLAIMS_URL: postgrestUrl, KINDE_CLAIMS_API_KEY: anonKey },
    });
    assertFailedOpen(result, /PostgREST error 42501: permission denied for function kinde_claims_for/);
  });

  it('400: an id the database refuses (22023)', async () => {
    const result = await runWorkflow(workflow, { userId: 'user_1234', env: envFor(postgrestUrl) });
    assertFailedOpen(result, /PostgREST error 22023/);
  });

  it('404: PostgREST exposing a schema without kinde_claims_for (PGRST202)', async () => {
    const wrongSchema = await startStandIn({ PGRST_DB_SCHEMAS: 'kinde_claims' });
    try {
      const result = await runWorkflow(workflow, { userId: 'kp_regular0001', env: envFor(wrongSchema.url) });
      assertFailedOpen(result, /PostgREST error PGRST202: Could not find the function kinde_claims\.kinde_claims_for/);
    } finally {
      await wrongSchema.stop();
    }
  });

  it('503: PostgREST up but its database down (PGRST000)', async () => {
    const noDatabase = await startStandIn({ PGRST_DB_URI: `postgresql://authenticator@127.0.0.1:${await closedPort()}/x` });
    try {
      const result = await runWorkflow(workflow, { userId: 'kp_regular0001', env: envFor(noDatabase.url) });
      assertFailedOpen(result, /PostgREST error PGRST000/);
    } finally {
      await noDatabase.stop();
    }
  });
});

describe('data that is not a claims object never reaches the token', () => {
  let impostor;
  let scratch;
  before(async () => {
    // A PostgREST schema whose kinde_claims_for answers other shapes, picked by the user id.
    scratch = await scratchDatabase('kc_token_impostor');
    await scratch.query(`CREATE SCHEMA impostor;
      GRANT USAGE ON SCHEMA impostor TO kinde_workflow;
      CREATE FUNCTION impostor.kinde_claims_for(user_id text) RETURNS jsonb LANGUAGE sql STABLE AS $$
        SELECT CASE user_id
          WHEN 'kp_array' THEN '[{"lifetime_subscriber": true}]'::jsonb
          WHEN 'kp_string' THEN '"lifetime_subscriber"'::jsonb
          WHEN 'kp_number' THEN '1'::jsonb
          WHEN 'kp_errorshape' THEN '{"code": "P0001", "details": null, "hint": null, "message": "no"}'::jsonb
          WHEN 'kp_gateway' THEN '{"message": "Invalid API key"}'::jsonb
          WHEN 'kp_stringflag' THEN '{"lifetime_subscriber": "true", "plan": "pro"}'::jsonb
        END
      $$;`);
    impostor = await startStandIn({ PGRST_DB_URI: scratch.uri, PGRST_DB_SCHEMAS: 'impostor' });
  });
  after(async () => {
    await impostor?.stop();
    await scratch?.drop();
  });

  const cases = [
    ['kp_array', /a JSON array/],
    ['kp_string', /a JSON string/],
    ['kp_number', /a JSON number/],
    ['kp_null', /no JSON value/],
    ['kp_errorshape', /PostgREST error P0001: no/],
    ['kp_gateway', /not kinde_claims_for's answer \(it says: Invalid API key\)/],
    ['kp_stringflag', /not kinde_claims_for's answer/],
  ];
  for (const [userId, reason] of cases) {
    it(`${userId}: no claims`, async () => {
      const result = await runWorkflow(workflow, { userId, env: envFor(impostor.url) });
      assertFailedOpen(result, reason);
    });
  }
});

describe('the call failing or taking too long', () => {
  it('server down (connection refused): no claims, token issued', async () => {
    const result = await runWorkflow(workflow, {
      userId: 'kp_65b28d71bba14fa380d56d2d8d3503da',
      env: envFor(`http://127.0.0.1:${await closedPort()}`),
    });
    assertFailedOpen(result, /the request failed/);
  });

  it("server slower than the host's fetch timeout: no claims, well under a second", async () => {
    const sockets = new Set();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const result = await runWorkflow(workflow, {
        userId: 'kp_65b28d71bba14fa380d56d2d8d3503da',
        env: envFor(`http://127.0.0.1:${silent.address().port}`),
        fetchTimeoutMs: 300,
      });
      assertFailedOpen(result, /the request failed/);
      assert.ok(result.elapsedMs < 1000, `took ${result.elapsedMs} ms`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("database slower than kinde_workflow's statement_timeout (500ms): 57014, no claims, under a second", async () => {
    const locker = adminClient();
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE kinde_claims.profiles IN ACCESS EXCLUSIVE MODE');
      const result = await runWorkflow(workflow, {
        userId: 'kp_65b28d71bba14fa380d56d2d8d3503da',
        env: envFor(postgrestUrl),
        fetchTimeoutMs: 5000,
      });
      assertFailedOpen(result, /PostgREST error 57014: canceling statement due to statement timeout/);
      assert.ok(result.elapsedMs < 1000, `took ${result.elapsedMs} ms`);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  });

  it('not configured (no KINDE_CLAIMS_URL): no request, no claims, token issued', async () => {
    const result = await runWorkflow(workflow, { userId: 'kp_regular0001', env: { KINDE_CLAIMS_API_KEY: readerKey } });
    assert.equal(result.requests.length, 0);
    assertFailedOpen(result, /KINDE_CLAIMS_URL and KINDE_CLAIMS_API_KEY must both be set/);
  });
});

describe('fail-closed mode (KINDE_CLAIMS_FAIL_CLOSED=true)', () => {
  const closed = (url) => envFor(url, { KINDE_CLAIMS_FAIL_CLOSED: 'true' });

  it('a successful call sets the claims and denies nothing', async () => {
    const result = await runWorkflow(workflow, { userId: 'kp_65b28d71bba14fa380d56d2d8d3503da', env: closed(postgrestUrl) });
    assert.deepEqual(result.claims, { plan: 'pro', seats: 5, lifetime_subscriber: true });
    assert.deepEqual(result.denied, []);
  });

  it('an error body denies access and sets no claims', async () => {
    const result = await runWorkflow(workflow, { userId: 'user_1234', env: closed(postgrestUrl) });
    assert.deepEqual(result.claims, {});
    assert.equal(result.denied.length, 1);
    assert.match(result.logs[0], /PostgREST error 22023.*access denied/);
    assertNoSecretsLogged(result);
  });

  it('server down denies access', async () => {
    const result = await runWorkflow(workflow, {
      userId: 'kp_65b28d71bba14fa380d56d2d8d3503da',
      env: closed(`http://127.0.0.1:${await closedPort()}`),
    });
    assert.deepEqual(result.claims, {});
    assert.equal(result.denied.length, 1);
    assert.ok(!result.denied[0].includes(readerKey));
  });
});

// Issue 12, end to end: the event's organization reaches kinde_claims_for(user_id, org_code)
// through the stand-in, and the token carries the user's, the organization's and the membership's
// claims merged, later names winning (docs/organizations.md).
describe('the organization the token is for (kinde_claims_for(user_id, org_code))', () => {
  const member = 'kp_orgmember0001';
  const userOnly = { plan: 'free', role: 'viewer', lifetime_subscriber: false };
  before(async () => {
    await admin(`SELECT kinde_profile_upsert($1, false, '{"plan": "free", "role": "viewer"}')`, [member]);
    await admin(`SELECT kinde_organization_upsert('org_1ccfb819462', '{"plan": "team", "seats": 40}')`);
    await admin(`SELECT kinde_membership_upsert($1, 'org_1ccfb819462', '{"role": "admin"}')`, [member]);
    await admin(`SELECT kinde_organization_upsert('org_2ddfc92a573', '{"region": "eu"}')`);
    await admin(`SELECT kinde_membership_upsert($1, 'org_2ddfc92a573')`, [member]);
  });

  it('a member signed into an organization: org_code sent, the three parts merged', async () => {
    const result = await runWorkflow(workflow, { userId: member, orgCode: 'org_1ccfb819462', env: envFor(postgrestUrl) });
    assert.equal(result.requests[0].url, `${postgrestUrl}/rpc/kinde_claims_for?user_id=${member}&org_code=org_1ccfb819462`);
    assert.deepEqual(result.claims, { plan: 'team', seats: 40, role: 'admin', lifetime_subscriber: false });
    assert.deepEqual(result.denied, []);
    assert.deepEqual(result.logs, []);
  });

  it('the same user in another organization: none of the first one\'s claims', async () => {
    const result = await runWorkflow(workflow, { userId: member, orgCode: 'org_2ddfc92a573', env: envFor(postgrestUrl) });
    assert.deepEqual(result.claims, { ...userOnly, region: 'eu' });
    assert.deepEqual(result.logs, []);
  });

  it('no organization, or one with nothing stored: the user\'s claims only', async () => {
    for (const orgCode of [undefined, 'org_00000000000']) {
      const result = await runWorkflow(workflow, { userId: member, orgCode, env: envFor(postgrestUrl) });
      assert.deepEqual(result.claims, userOnly, `org ${orgCode}`);
      assert.deepEqual(result.logs, []);
    }
  });

  it('an org code the database refuses: 22023 from the real function, no claims, the log says so', async () => {
    const result = await runWorkflow(workflow, { userId: member, orgCode: 'org_bad-code', env: envFor(postgrestUrl) });
    assertFailedOpen(result, new RegExp(`^kinde_claims: ${member} in org_bad-code: no claims: the organization code org_bad-code ` +
      '\\(or the user id\\) was refused: PostgREST error 22023: invalid organization code "org_bad-code"'));
  });

  it('an org code holding "&user_id=": reaches the database whole (and is refused), the user id unchanged', async () => {
    const result = await runWorkflow(workflow, { userId: member, orgCode: 'org_a&user_id=kp_other', env: envFor(postgrestUrl) });
    assertFailedOpen(result, /PostgREST error 22023: invalid organization code "org_a&user_id=kp_other"/);
  });

  it('fail-closed: a refused org code denies sign-in', async () => {
    const result = await runWorkflow(workflow, {
      userId: member, orgCode: 'org_bad-code', env: envFor(postgrestUrl, { KINDE_CLAIMS_FAIL_CLOSED: 'true' }),
    });
    assert.deepEqual(result.claims, {});
    assert.equal(result.denied.length, 1);
    assert.match(result.logs[0], /the organization code org_bad-code \(or the user id\) was refused: .*; access denied$/);
  });
});
