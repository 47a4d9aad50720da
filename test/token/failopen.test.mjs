// Issue 19 §3: a token issued without its claims is reported for a rebuild. When the lookup fails
// and the workflow fails open, it makes one more call, POST {KINDE_CLAIMS_FAILOPEN_URL}/kinde/failopen
// with the user (and organization) in the query and the secret as a bearer, to a real HTTP server
// here standing in for kinde-claims-shim serve (the shim itself: test/suites/33-sync-failopen).
// A run that reads its claims, fails closed, or was refused its argument (22023) makes no report.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { admin, closedPort, mintJwt, postgrestUrl, root, runWorkflow } from './helpers.mjs';

const { default: workflow } = await import(`${root}/build/kindeSrc/environment/workflows/kindeClaimsWorkflow.js`);

const subscriber = 'kp_failopen00000000000000000000001';
const secret = 'failopen-test-secret-0123456789abcdef';
const readerKey = await mintJwt({ role: 'kinde_workflow' });
let shimUrl;
let answer = { status: 202, body: '{"result":"queued"}' };
const reports = [];
const server = http.createServer((req, res) => {
  reports.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
  res.writeHead(answer.status, { 'content-type': 'application/json' });
  res.end(answer.body);
});

before(async () => {
  await admin('SELECT kinde_profile_upsert($1, true)', [subscriber]);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  shimUrl = `http://127.0.0.1:${server.address().port}`;
});
after(() => new Promise((resolve) => server.close(resolve)));

const env = (extra = {}) => ({
  KINDE_CLAIMS_URL: postgrestUrl, KINDE_CLAIMS_API_KEY: readerKey,
  KINDE_CLAIMS_FAILOPEN_URL: `${shimUrl}/`, KINDE_CLAIMS_FAILOPEN_SECRET: secret, ...extra,
});
const downEnv = async (extra = {}) => env({ KINDE_CLAIMS_URL: `http://127.0.0.1:${await closedPort()}`, ...extra });

describe('the fail-open report', () => {
  it('a lookup that fails: the token without claims, one report with the user and the secret', async () => {
    reports.length = 0;
    const result = await runWorkflow(workflow, { userId: subscriber, orgCode: 'org_1ccfb819462', env: await downEnv() });
    assert.deepEqual(result.claims, {});
    assert.deepEqual(result.denied, []);
    assert.equal(result.logs.length, 1, JSON.stringify(result.logs));
    assert.match(result.logs[0], /no claims: the request failed: .*; token issued without them; reported for a rebuilt token$/);
    assert.deepEqual(reports, [{
      method: 'POST',
      url: `/kinde/failopen?user_id=${subscriber}&org_code=org_1ccfb819462`,
      authorization: `Bearer ${secret}`,
    }]);
    assert.ok(!result.logs[0].includes(secret));
  });

  it('serve refusing (a full queue, 503): the line says not reported, the secret not in it', async () => {
    reports.length = 0;
    answer = { status: 503, body: `{"error":"the fail-open queue is full ${secret}"}` };
    try {
      const result = await runWorkflow(workflow, { userId: subscriber, env: await downEnv() });
      assert.equal(reports.length, 1);
      assert.equal(result.logs.length, 1);
      assert.match(result.logs[0], /; token issued without them; not reported for a rebuild: .*queue is full/);
      assert.ok(!result.logs[0].includes(secret), result.logs[0]);
    } finally {
      answer = { status: 202, body: '{"result":"queued"}' };
    }
  });

  it('serve unreachable: the token is still issued, the line says why', async () => {
    const result = await runWorkflow(workflow, {
      userId: subscriber, env: await downEnv({ KINDE_CLAIMS_FAILOPEN_URL: `http://127.0.0.1:${await closedPort()}` }),
    });
    assert.deepEqual(result.denied, []);
    assert.equal(result.threw, undefined);
    assert.match(result.logs[0], /; token issued without them; not reported for a rebuild: /);
  });

  it('a lookup that succeeds: one request, no report', async () => {
    reports.length = 0;
    const result = await runWorkflow(workflow, { userId: subscriber, env: env() });
    assert.deepEqual(result.claims, { lifetime_subscriber: true });
    assert.equal(result.requests.length, 1);
    assert.equal(reports.length, 0);
  });

  it('failing closed (no token) and a refused argument (22023) make no report', async () => {
    reports.length = 0;
    const closed = await runWorkflow(workflow, { userId: subscriber, env: await downEnv({ KINDE_CLAIMS_FAIL_CLOSED: 'true' }) });
    assert.equal(closed.denied.length, 1);
    const refused = await runWorkflow(workflow, { userId: subscriber, orgCode: 'org_bad-code', env: env() });
    assert.match(refused.logs[0], /22023.*; token issued without them$/);
    assert.equal(reports.length, 0);
  });

  it('without the variables: no report, the line as before', async () => {
    reports.length = 0;
    const result = await runWorkflow(workflow, {
      userId: subscriber,
      env: await downEnv({ KINDE_CLAIMS_FAILOPEN_URL: undefined, KINDE_CLAIMS_FAILOPEN_SECRET: undefined }),
    });
    assert.match(result.logs[0], /; token issued without them$/);
    assert.equal(reports.length, 0);
  });
});
