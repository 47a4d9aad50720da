// Issue 10 item 5: the workflow never throws and never fails in a way its policy cannot see,
// whatever Kinde's bindings do. Each test installs Kinde's bindings (test/token/helpers.mjs) with
// one of them misbehaving and checks the outcome: the claims set, whether sign-in was denied, and
// the one log line saying why. Bodies that reach the workflow's fetch are served by the PostgREST
// stand-in over the real database, or handed over by a fetch binding that resolves to junk.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { admin, closedPort, mintJwt, postgrestUrl, root, runWorkflow } from './helpers.mjs';

const { default: workflow } = await import(`${root}/build/kindeSrc/environment/workflows/kindeClaimsWorkflow.js`);
const { clip, LOG_TEXT_MAX_CHARS } = await import(`${root}/build/kindeSrc/environment/workflows/kindeClaimsLog.js`);

const subscriber = 'kp_bindings0000000000000000000001';
const readerKey = await mintJwt({ role: 'kinde_workflow' });
const env = (extra = {}) => ({ KINDE_CLAIMS_URL: postgrestUrl, KINDE_CLAIMS_API_KEY: readerKey, ...extra });
const closedEnv = (extra = {}) => env({ KINDE_CLAIMS_FAIL_CLOSED: 'true', ...extra });
const fullClaims = { plan: 'pro', seats: 5, lifetime_subscriber: true };
// Longest line the workflow may log: a few fixed words around a handful of clipped pieces.
const LOG_LINE_MAX = 4 * LOG_TEXT_MAX_CHARS + 400;
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

before(async () => {
  await admin(`SELECT kinde_profile_upsert($1, true, '{"plan": "pro", "seats": 5}')`, [subscriber]);
});

// Every outcome: returned normally, every log line one bounded line without the key.
function assertWellBehaved(result) {
  assert.equal(result.threw, undefined, `the workflow threw: ${result.threw}`);
  for (const line of result.logs) {
    assert.doesNotMatch(line, CONTROL, `a log line holds a control character: ${JSON.stringify(line)}`);
    assert.ok(line.length <= LOG_LINE_MAX, `a log line of ${line.length} characters`);
    assert.ok(!line.includes(readerKey.slice(0, 40)), `a log line carries the API key: ${line}`);
  }
}

function assertOpen(result, reason, claims = {}) {
  assertWellBehaved(result);
  assert.deepEqual(result.claims, claims);
  assert.deepEqual(result.denied, [], 'sign-in is not denied');
  assert.equal(result.logs.length, 1, `one log line, got ${JSON.stringify(result.logs)}`);
  assert.match(result.logs[0], reason);
  assert.match(result.logs[0], /; token issued without them$/);
}

function assertClosed(result, reason) {
  assertWellBehaved(result);
  assert.equal(result.denied.length, 1, 'sign-in is denied once');
  assert.ok(result.logs.some((line) => reason.test(line) && /; access denied$/.test(line)),
    `a log line says why and that access was denied: ${JSON.stringify(result.logs)}`);
}

// A fetch binding that hands the workflow `answer` (what the host resolves to) without a request.
const fetchAnswering = (answer) => (result) => (url, options) => {
  result.requests.push({ url, options });
  return typeof answer === 'function' ? answer() : Promise.resolve(answer);
};

describe('env binding', () => {
  it('env.get throwing for every unset variable: the optional ones read as unset, claims set', async () => {
    const values = env();
    const result = await runWorkflow(workflow, {
      userId: subscriber,
      env: values,
      bindings: {
        env: {
          get: (key) => {
            if (!(key in values)) throw new Error(`environment variable ${key} is not set`);
            return { value: values[key], isSecret: false };
          },
        },
      },
    });
    assertWellBehaved(result);
    assert.deepEqual(result.claims, fullClaims);
    assert.deepEqual(result.logs, []);
    assert.equal(result.requests[0].options.headers.apikey, readerKey, 'the gateway key defaults to the API key');
  });

  it('env.get throwing for every variable: no request, fail-open, the log says which and why', async () => {
    const result = await runWorkflow(workflow, {
      userId: subscriber,
      env: env(),
      bindings: { env: { get: () => { throw new TypeError('env store unavailable'); } } },
    });
    assert.equal(result.requests.length, 0);
    assertOpen(result, /must both be set: KINDE_CLAIMS_API_KEY could not be read \(TypeError: env store unavailable\)/);
    assert.match(result.logs[0], /KINDE_CLAIMS_URL could not be read/);
  });

  it('no env binding at all: fail-open with the library\'s reason', async () => {
    const result = await runWorkflow(workflow, { userId: subscriber, env: env(), bindings: { env: undefined } });
    assertOpen(result, /could not be read \(Error: env binding not available/);
  });

  it('env.get returning junk (a number, an object without value) reads as unset', async () => {
    const result = await runWorkflow(workflow, {
      userId: subscriber,
      env: env(),
      bindings: { env: { get: (key) => (key === 'KINDE_CLAIMS_URL' ? { value: 42 } : 7) } },
    });
    assertOpen(result, /KINDE_CLAIMS_URL and KINDE_CLAIMS_API_KEY must both be set; /);
  });
});

describe('console binding', () => {
  it('no console: claims set, nothing thrown', async () => {
    const result = await runWorkflow(workflow, { userId: subscriber, env: env(), console: 'missing' });
    assertWellBehaved(result);
    assert.deepEqual(result.claims, fullClaims);
  });

  it('no console and the server down: fail-open still issues the token', async () => {
    const result = await runWorkflow(workflow, {
      userId: subscriber, env: env({ KINDE_CLAIMS_URL: `http://127.0.0.1:${await closedPort()}` }), console: 'missing',
    });
    assertWellBehaved(result);
    assert.deepEqual(result.claims, {});
    assert.deepEqual(result.denied, []);
  });

  it('no console and the server down, fail-closed: access denied', async () => {
    const result = await runWorkflow(workflow, {
      userId: subscriber, env: closedEnv({ KINDE_CLAIMS_URL: `http://127.0.0.1:${await closedPort()}` }), console: 'missing',
    });
    assertWellBehaved(result);
    assert.deepEqual(result.claims, {});
    assert.equal(result.denied.length, 1);
  });

  it('console.error throwing, fail-closed with the server down: access denied, nothing thrown', async () => {
    const result = await runWorkflow(workflow, {
      userId: subscriber, env: closedEnv({ KINDE_CLAIMS_URL: `http://127.0.0.1:${await closedPort()}` }), console: 'throwing',
    });
    assertWellBehaved(result);
    assert.deepEqual(result.claims, {});
    assert.equal(result.denied.length, 1);
  });

  it('console.error throwing on a run that logs a skipped claim: the claims still set', async () => {
    const result = await runWorkflow(workflow, {
      userId: subscriber, env: env({ KINDE_CLAIMS_FAIL_CLOSED: 'ture' }), console: 'throwing',
    });
    assertWellBehaved(result);
    assert.deepEqual(result.claims, fullClaims);
    assert.deepEqual(result.denied, []);
  });
});

describe('accessToken binding', () => {
  const refusing = (refused) => (result) => ({
    getCustomClaims: () => ({}),
    setCustomClaim: (name, value) => {
      if (refused.includes(name)) throw new Error(`claim ${name} is not allowed`);
      result.claims[name] = value;
    },
  });

  it('Kinde refusing one claim: the others set, the refused one logged, token issued', async () => {
    const result = await runWorkflow(workflow, { userId: subscriber, env: env(), bindings: { accessToken: refusing(['plan']) } });
    assertOpen(result, /Kinde refused claims plan \(Error: claim plan is not allowed\)/, { seats: 5, lifetime_subscriber: true });
  });

  it('Kinde refusing one claim, fail-closed: access denied', async () => {
    const result = await runWorkflow(workflow, { userId: subscriber, env: closedEnv(), bindings: { accessToken: refusing(['seats']) } });
    assertClosed(result, /Kinde refused claims seats/);
  });

  it('no accessToken binding: nothing set, every claim logged as refused, token issued', async () => {
    const result = await runWorkflow(workflow, { userId: subscriber, env: env(), bindings: { accessToken: undefined } });
    assertOpen(result, /Kinde refused claims plan, seats, lifetime_subscriber \(Error: accessToken binding not available/);
  });

  it('getCustomClaims returning no object: fail-closed denies', async () => {
    const result = await runWorkflow(workflow, {
      userId: subscriber, env: closedEnv(), bindings: { accessToken: { getCustomClaims: () => undefined, setCustomClaim() {} } },
    });
    assertClosed(result, /Kinde refused claims plan, seats, lifetime_subscriber \(TypeError/);
  });
});

describe('auth binding', () => {
  it('denyAccess throwing in fail-closed mode: logged, nothing thrown', async () => {
    const result = await runWorkflow(workflow, {
      userId: 'user_1234', env: closedEnv(), bindings: { auth: { denyAccess: () => { throw new Error('deny failed'); } } },
    });
    assertWellBehaved(result);
    assert.match(result.logs[0], /no claims: PostgREST error 22023.*; access denied$/);
    assert.match(result.logs[1], /denyAccess failed: Error: deny failed/);
  });

  it('no auth binding in fail-closed mode: logged, nothing thrown', async () => {
    const result = await runWorkflow(workflow, { userId: 'user_1234', env: closedEnv(), bindings: { auth: undefined } });
    assertWellBehaved(result);
    assert.match(result.logs[1], /denyAccess failed: Error: auth binding not available/);
  });
});

describe('fetch binding', () => {
  const cases = [
    ['throwing synchronously', () => { throw new Error('socket closed'); }, /the request failed: Error: socket closed/],
    ['rejecting with a string', () => Promise.reject('ECONNRESET'), /the request failed: ECONNRESET/],
    ['rejecting with something that cannot be printed',
      () => Promise.reject({ toString() { throw new Error('no'); } }), /the request failed: an error that cannot be described/],
    ['resolving to undefined', undefined, /the request failed: TypeError/],
    ['resolving to null', null, /the request failed: TypeError/],
    ['resolving to a number', 42, /the response has no body \(fetch gave undefined\)/],
    ['resolving to parsed JSON only, no text', { json: { lifetime_subscriber: true } }, /the response has no body/],
    ['resolving to a non-string text', { text: { lifetime_subscriber: true } }, /the response has no body \(fetch gave object\)/],
    ['resolving to an HTML page', { text: '<html><body>502 Bad Gateway</body></html>' },
      /the response is not JSON \(SyntaxError: .*\): <html><body>502 Bad Gateway/],
    ['resolving to a cut-off body', { text: '{"lifetime_subscriber": true, "plan": "pr' }, /the response is not JSON/],
    ['resolving to an empty body', { text: '' }, /the response is not JSON/],
    ['resolving to JSON nested 100,000 deep', { text: `{"lifetime_subscriber": true, "d": ${'['.repeat(1e5)}${']'.repeat(1e5)}}` },
      /the response is not JSON \(RangeError: Maximum call stack size exceeded\)/],
    ['resolving to JSON with a duplicate key', { text: '{"lifetime_subscriber": true, "lifetime_subscriber": false}' },
      /the response is not JSON \(SyntaxError: Duplicate key/],
  ];
  for (const [name, answer, reason] of cases) {
    it(`${name}: no claims, token issued`, async () => {
      const fetch = typeof answer === 'function' ? () => () => answer() : fetchAnswering(answer);
      const result = await runWorkflow(workflow, { userId: subscriber, env: env(), bindings: { fetch } });
      assertOpen(result, reason);
    });
  }

  it('resolving to junk, fail-closed: access denied', async () => {
    const result = await runWorkflow(workflow, { userId: subscriber, env: closedEnv(), bindings: { fetch: fetchAnswering(undefined) } });
    assertClosed(result, /the request failed/);
  });

  it('no fetch binding: no claims, token issued', async () => {
    const result = await runWorkflow(workflow, { userId: subscriber, env: env(), bindings: { fetch: undefined } });
    assertOpen(result, /the request failed: Error: fetch binding not available/);
  });
});

describe('the event', () => {
  for (const [name, event] of [['no event', undefined], ['a numeric user id', { context: { user: { id: 42 } } }],
    ['a user without id', { context: { user: {} } }]]) {
    it(`${name}: no request, no claims, token issued`, async () => {
      const result = await runWorkflow(workflow, { userId: subscriber, env: env(), event });
      assert.equal(result.requests.length, 0);
      assertOpen(result, /^kinde_claims: \(no user id\): no claims: the event carries no user id/);
    });
  }
});

// Issue 12: the organization the token is for (event.context.organization.code, FACTS.md §8)
// travels as org_code, URL-encoded like the user id, and only when the event has one. Requests
// carrying org_code are answered here by the fetch binding (with what PostgREST would send: the
// exact URL and the answers the database cannot be made to give, such as a pre-0.6.0 PGRST202);
// the requests without one go to the PostgREST stand-in. workflow.test.mjs runs org codes end to end.
describe('the organization the token is for', () => {
  const userOnlyUrl = `${postgrestUrl}/rpc/kinde_claims_for?user_id=${subscriber}`;
  const orgClaims = '{"lifetime_subscriber": true, "plan": "team", "seats": 40}';
  const refusal = (message) => ({
    text: JSON.stringify({
      code: '22023', details: null,
      hint: 'An organization code is "org_" followed by 1 to 64 letters or digits, such as org_1ccfb819462.',
      message,
    }),
  });

  it('an org code: sent as org_code after the user id, the answer set on the token', async () => {
    const result = await runWorkflow(workflow, {
      userId: subscriber, orgCode: 'org_1ccfb819462', env: env(), bindings: { fetch: fetchAnswering({ text: orgClaims }) },
    });
    assertWellBehaved(result);
    assert.equal(result.requests.length, 1);
    assert.equal(result.requests[0].url, `${userOnlyUrl}&org_code=org_1ccfb819462`);
    assert.equal(result.requests[0].options.method, 'GET');
    assert.deepEqual(result.claims, { plan: 'team', seats: 40, lifetime_subscriber: true });
    assert.deepEqual(result.denied, []);
    assert.deepEqual(result.logs, []);
  });

  it('an org code with characters a query string cannot carry raw: sent percent-encoded', async () => {
    const code = 'org_a&user_id=kp_evil#x y/é%+';
    const result = await runWorkflow(workflow, {
      userId: subscriber, orgCode: code, env: env(), bindings: { fetch: fetchAnswering({ text: orgClaims }) },
    });
    assertWellBehaved(result);
    const { url } = result.requests[0];
    assert.equal(url, `${userOnlyUrl}&org_code=org_a%26user_id%3Dkp_evil%23x%20y%2F%C3%A9%25%2B`);
    const query = new URL(url).searchParams;
    assert.deepEqual(query.getAll('user_id'), [subscriber], 'the code cannot add or replace a user id');
    assert.deepEqual(query.getAll('org_code'), [code], 'the server reads back the code as it was');
    assert.deepEqual([...query.keys()], ['user_id', 'org_code']);
  });

  const absent = [
    ['no organization in the event', undefined],
    ['an organization without a code', { context: { user: { id: subscriber }, organization: {} } }],
    ['organization null', { context: { user: { id: subscriber }, organization: null } }],
    ['code null', { context: { user: { id: subscriber }, organization: { code: null } } }],
    ['code ""', { context: { user: { id: subscriber }, organization: { code: '' } } }],
  ];
  for (const [name, event] of absent) {
    it(`${name}: exactly the user-only URL, no org_code, nothing logged (through the stand-in)`, async () => {
      const result = await runWorkflow(workflow, { userId: subscriber, env: env(), ...(event ? { event } : {}) });
      assertWellBehaved(result);
      assert.equal(result.requests.length, 1);
      assert.equal(result.requests[0].url, userOnlyUrl);
      assert.ok(!new URL(result.requests[0].url).searchParams.has('org_code'));
      assert.deepEqual(result.claims, fullClaims);
      assert.deepEqual(result.logs, []);
    });
  }

  for (const [kind, code] of [['a number', 42], ['an object', { code: 'org_1ccfb819462' }], ['an array', ['org_1ccfb819462']],
    ['a boolean', true]]) {
    it(`a code that is ${kind}: read as no organization, logged once (through the stand-in)`, async () => {
      const event = { context: { user: { id: subscriber }, organization: { code } } };
      const result = await runWorkflow(workflow, { userId: subscriber, env: env(), event });
      assertWellBehaved(result);
      assert.equal(result.requests.length, 1);
      assert.equal(result.requests[0].url, userOnlyUrl);
      assert.deepEqual(result.claims, fullClaims);
      assert.deepEqual(result.denied, []);
      assert.deepEqual(result.logs, [
        `kinde_claims: ${subscriber}: the event's organization code is ${kind}, not a string; claims read without an organization`,
      ]);
    });
  }

  it('an org code the database refuses (22023): no claims, token issued, the log says the code was refused', async () => {
    const result = await runWorkflow(workflow, {
      userId: subscriber, orgCode: 'org_bad-code', env: env(),
      bindings: { fetch: fetchAnswering(refusal('invalid organization code "org_bad-code"')) },
    });
    assert.equal(result.requests[0].url, `${userOnlyUrl}&org_code=org_bad-code`);
    assertOpen(result, new RegExp(`^kinde_claims: ${subscriber} in org_bad-code: no claims: the organization code org_bad-code ` +
      '\\(or the user id\\) was refused: PostgREST error 22023: invalid organization code "org_bad-code"; token issued without them$'));
  });

  it('an org code the database refuses, fail-closed: access denied', async () => {
    const result = await runWorkflow(workflow, {
      userId: subscriber, orgCode: 'org_bad-code', env: closedEnv(),
      bindings: { fetch: fetchAnswering(refusal('invalid organization code "org_bad-code"')) },
    });
    assertClosed(result, /no claims: the organization code org_bad-code \(or the user id\) was refused: PostgREST error 22023/);
    assert.deepEqual(result.claims, {});
  });

  it('a refused org code from outside is escaped and cut in the log line', async () => {
    const code = `org_x\nkinde_claims: forged${'z'.repeat(300)}`;
    const result = await runWorkflow(workflow, {
      userId: subscriber, orgCode: code, env: env(),
      bindings: { fetch: fetchAnswering(refusal(`invalid organization code "${code}"`)) },
    });
    assertOpen(result, /^kinde_claims: kp_\w+ in org_x\\nkinde_claims: forgedz+\.\.\.\(\d+ more\): no claims: the organization code org_x\\n/);
  });

  it('22023 without an org code (a user id the database refuses): the log names no organization', async () => {
    const result = await runWorkflow(workflow, { userId: 'user_1234', env: env() });
    assert.equal(result.requests[0].url, `${postgrestUrl}/rpc/kinde_claims_for?user_id=user_1234`);
    assertOpen(result, /^kinde_claims: user_1234: no claims: PostgREST error 22023: /);
    assert.doesNotMatch(result.logs[0], /organization|refused/);
  });

  it('another error for a request with an org code (a database before 0.6.0): reported as it came', async () => {
    const body = {
      code: 'PGRST202', details: null, hint: null,
      message: 'Could not find the function public.kinde_claims_for(org_code, user_id) in the schema cache',
    };
    const result = await runWorkflow(workflow, {
      userId: subscriber, orgCode: 'org_1ccfb819462', env: env(), bindings: { fetch: fetchAnswering({ text: JSON.stringify(body) }) },
    });
    assertOpen(result, /: no claims: PostgREST error PGRST202: Could not find the function/);
    assert.doesNotMatch(result.logs[0], /was refused/);
  });

  const throwingOrg = { context: { user: { id: subscriber }, get organization() { throw new Error('organization unreadable'); } } };
  it('an organization that throws when read: no request, token issued without claims', async () => {
    const result = await runWorkflow(workflow, { userId: subscriber, env: env(), event: throwingOrg });
    assertWellBehaved(result);
    assert.equal(result.requests.length, 0);
    assert.deepEqual(result.claims, {});
    assert.deepEqual(result.denied, []);
    assert.deepEqual(result.logs, ['kinde_claims: unexpected error: Error: organization unreadable; token issued without claims']);
  });

  it('an organization that throws when read, fail-closed: access denied', async () => {
    const result = await runWorkflow(workflow, { userId: subscriber, env: closedEnv(), event: throwingOrg });
    assertWellBehaved(result);
    assert.equal(result.requests.length, 0);
    assert.equal(result.denied.length, 1);
    assert.match(result.logs[0], /unexpected error: Error: organization unreadable; access denied$/);
  });
});

describe('anything else that throws', () => {
  const throwingEvent = { get context() { throw new Error('event unreadable'); } };

  it('an event whose fields throw: logged, token issued', async () => {
    const result = await runWorkflow(workflow, { userId: subscriber, env: env(), event: throwingEvent });
    assertWellBehaved(result);
    assert.deepEqual(result.claims, {});
    assert.deepEqual(result.denied, []);
    assert.deepEqual(result.logs, ['kinde_claims: unexpected error: Error: event unreadable; token issued without claims']);
  });

  it('an event whose fields throw, fail-closed: access denied', async () => {
    const result = await runWorkflow(workflow, { userId: subscriber, env: closedEnv(), event: throwingEvent });
    assertWellBehaved(result);
    assert.equal(result.denied.length, 1);
    assert.match(result.logs[0], /unexpected error: Error: event unreadable; access denied$/);
  });
});

describe('a log line is one bounded line', () => {
  it('clip escapes control characters and line separators, and cuts long text', () => {
    assert.equal(clip('a\nb\r\tc\u0000d\u001be\u2028f\u0085'), 'a\\nb\\r\\tc\\u0000d\\u001be\\u2028f\\u0085');
    const long = clip('x'.repeat(LOG_TEXT_MAX_CHARS + 50));
    assert.equal(long, `${'x'.repeat(LOG_TEXT_MAX_CHARS)}...(50 more)`);
  });

  it('an error message with newlines from the server cannot forge a second log line', async () => {
    const message = 'boom\nkinde_claims: kp_other: forged line\r\n\u001b[31mred\u2028';
    const result = await runWorkflow(workflow, {
      userId: subscriber, env: env(),
      bindings: { fetch: fetchAnswering({ text: JSON.stringify({ code: 'P0001', details: null, hint: null, message }) }) },
    });
    assertOpen(result, /PostgREST error P0001: boom\\nkinde_claims: kp_other: forged line\\r\\n\\u001b\[31mred\\u2028; token/);
  });

  it('a 100 KB error message is cut', async () => {
    const message = `${'A'.repeat(100000)}TAIL`;
    const result = await runWorkflow(workflow, {
      userId: subscriber, env: env(),
      bindings: { fetch: fetchAnswering({ text: JSON.stringify({ code: 'P0001', details: null, hint: null, message }) }) },
    });
    assertOpen(result, /PostgREST error P0001: A{200}\.\.\.\(99804 more\); token issued without them$/);
  });

  it('a non-JSON body with control characters, 100 KB long: escaped and cut', async () => {
    const result = await runWorkflow(workflow, {
      userId: subscriber, env: env(), bindings: { fetch: fetchAnswering({ text: `oops\n${'x'.repeat(100000)}` }) },
    });
    assertOpen(result, /the response is not JSON .*: oops\\nx+\.\.\.\(\d+ more\)/);
  });

  it('the API key echoed by the server is redacted before the text is cut', async () => {
    const message = `${'m'.repeat(LOG_TEXT_MAX_CHARS - 20)}${readerKey}`;
    const result = await runWorkflow(workflow, {
      userId: subscriber, env: env(),
      bindings: { fetch: fetchAnswering({ text: JSON.stringify({ code: 'P0001', details: null, hint: null, message }) }) },
    });
    assertOpen(result, /m{180}\[redacted\]; token issued/);
    assert.ok(!result.logs[0].includes(readerKey.slice(0, 20)), 'no prefix of the key either');
  });

  it('a user id with control characters is escaped and cut', async () => {
    const result = await runWorkflow(workflow, {
      userId: `kp_x\nforged${'y'.repeat(500)}`, env: env({ KINDE_CLAIMS_URL: `http://127.0.0.1:${await closedPort()}` }),
    });
    assertOpen(result, /^kinde_claims: kp_x\\nforgedy+\.\.\.\(\d+ more\): no claims: the request failed/);
  });
});

describe('KINDE_CLAIMS_FAIL_CLOSED', () => {
  const down = async (value) => ({ KINDE_CLAIMS_URL: `http://127.0.0.1:${await closedPort()}`, KINDE_CLAIMS_FAIL_CLOSED: value });

  for (const value of ['true', 'TRUE', '1', 'yes', 'on', ' true ']) {
    it(`${JSON.stringify(value)}: closed, nothing else logged`, async () => {
      const result = await runWorkflow(workflow, { userId: subscriber, env: env(await down(value)) });
      assertClosed(result, /the request failed/);
      assert.equal(result.logs.length, 1);
    });
  }
  for (const value of ['false', 'False', '0', 'no', 'off', '', '  ']) {
    it(`${JSON.stringify(value)}: open, nothing else logged`, async () => {
      const result = await runWorkflow(workflow, { userId: subscriber, env: env(await down(value)) });
      assertOpen(result, /the request failed/);
    });
  }
  for (const value of ['ture', 'closed', 'tru\ne']) {
    it(`${JSON.stringify(value)} (not recognised): read as closed, and logged on a run that fails`, async () => {
      const result = await runWorkflow(workflow, { userId: subscriber, env: env(await down(value)) });
      assertClosed(result, /the request failed/);
      assert.match(result.logs[0], /KINDE_CLAIMS_FAIL_CLOSED=".*" is not true or false; read as true \(fail closed\)$/);
      assert.equal(result.logs.length, 2);
    });
  }
  it('"ture" is logged on a run that succeeds too, and the claims are set', async () => {
    const result = await runWorkflow(workflow, { userId: subscriber, env: env({ KINDE_CLAIMS_FAIL_CLOSED: 'ture' }) });
    assertWellBehaved(result);
    assert.deepEqual(result.claims, fullClaims);
    assert.deepEqual(result.denied, []);
    assert.deepEqual(result.logs, [`kinde_claims: ${subscriber}: KINDE_CLAIMS_FAIL_CLOSED="ture" is not true or false; read as true (fail closed)`]);
  });
});
