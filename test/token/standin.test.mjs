// HTTP-level tests of the PostgREST stand-in (test/postgrest/server.mjs): that it answers the way
// PostgREST does (FACTS.md §3), so the workflow and shim tests that use it test something real.
// The probe functions come from test/token/probes.sql.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { admin, adminClient, closedPort, mintJwt, postgrestUrl, startStandIn } from './helpers.mjs';

const tokens = {
  reader: await mintJwt({ role: 'kinde_workflow' }),
  writer: await mintJwt({ role: 'kinde_writer' }),
  authenticated: await mintJwt({ role: 'authenticated', sub: 'kp_someone0001' }),
};

async function call(path, { method = 'GET', token, body, headers = {}, base = postgrestUrl } = {}) {
  const all = { ...headers };
  if (token) all.authorization = `Bearer ${token}`;
  if (body !== undefined) all['content-type'] ??= 'application/json';
  const response = await fetch(`${base}${path}`, {
    method,
    headers: all,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : undefined };
}

function assertPostgrestError(response, status, code) {
  assert.equal(response.status, status, response.text);
  assert.deepEqual(Object.keys(response.json).sort(), ['code', 'details', 'hint', 'message']);
  assert.equal(response.json.code, code);
}

describe('successful calls', () => {
  it('GET returns the function value as raw JSON, application/json; charset=utf-8', async () => {
    await admin(`SELECT kinde_profile_upsert('kp_standin0001', true, '{"plan": "pro"}')`);
    const response = await call('/rpc/kinde_claims_for?user_id=kp_standin0001', { token: tokens.reader });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(response.text, '{"plan": "pro", "lifetime_subscriber": true}');
  });

  it('a SQL NULL is the body null', async () => {
    const response = await call('/rpc/probe_null', { token: tokens.reader });
    assert.equal(response.status, 200);
    assert.equal(response.text, 'null');
  });

  it('the writer upserts with POST and JSON; a form body works too', async () => {
    const json = await call('/rpc/kinde_profile_upsert', {
      method: 'POST', token: tokens.writer, body: { kinde_id: 'kp_standin0002', claims: { seats: 3 } },
    });
    assert.equal(json.status, 200, json.text);
    assert.deepEqual(json.json, { seats: 3, lifetime_subscriber: false });
    const form = await call('/rpc/kinde_profile_upsert', {
      method: 'POST', token: tokens.writer, body: 'kinde_id=kp_standin0002&lifetime_subscriber=true',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.deepEqual(form.json, { seats: 3, lifetime_subscriber: true });
  });

  it('optional parameters may be left out; required ones are matched by name', async () => {
    const response = await call('/rpc/probe_echo?a=x', { token: tokens.reader });
    assert.deepEqual(response.json, { a: 'x', b: 7 });
    const both = await call('/rpc/probe_echo?b=9&a=y', { token: tokens.reader });
    assert.deepEqual(both.json, { a: 'y', b: 9 });
  });

  it('the apikey header is accepted and ignored', async () => {
    const response = await call('/rpc/kinde_claims_for?user_id=kp_standin0001', {
      token: tokens.reader, headers: { apikey: 'not-a-valid-key' },
    });
    assert.equal(response.status, 200);
  });

  it('HEAD answers the status without a body', async () => {
    const response = await call('/rpc/kinde_claims_for?user_id=kp_standin0001', { method: 'HEAD', token: tokens.reader });
    assert.equal(response.status, 200);
    assert.equal(response.text, '');
  });

  it('GET / answers 200 (health)', async () => {
    assert.equal((await call('/')).status, 200);
  });
});

describe("PostgREST's transaction and preamble, seen from inside", () => {
  it('GET: READ ONLY, READ COMMITTED, the JWT role, its claims, method, path, headers, cookies', async () => {
    const response = await call('/rpc/probe_request', {
      token: tokens.authenticated, headers: { cookie: 'session=abc; theme=dark', 'x-trace': 't1' },
    });
    assert.equal(response.status, 200, response.text);
    const seen = response.json;
    assert.equal(seen.read_only, 'on');
    assert.equal(seen.isolation, 'read committed');
    assert.equal(seen.role, 'authenticated');
    assert.equal(seen.claims.role, 'authenticated');
    assert.equal(seen.claims.sub, 'kp_someone0001');
    assert.equal(seen.method, 'GET');
    assert.equal(seen.path, '/rpc/probe_request');
    assert.equal(seen.headers['x-trace'], 't1');
    assert.equal(seen.headers.cookie, undefined, 'cookies are not among the headers');
    assert.deepEqual(seen.cookies, { session: 'abc', theme: 'dark' });
    assert.equal(seen.search_path, '"public", "public"');
    // The role's own ALTER ROLE ... SET, applied by the preamble.
    assert.equal(seen.statement_timeout, '8s');
  });

  it('no JWT: role anon, claims {"role": "anon"}, anon\'s statement_timeout', async () => {
    const seen = (await call('/rpc/probe_request')).json;
    assert.equal(seen.role, 'anon');
    assert.deepEqual(seen.claims, { role: 'anon' });
    assert.equal(seen.statement_timeout, '3s');
  });

  it('POST to a VOLATILE function: READ WRITE', async () => {
    const seen = (await call('/rpc/probe_request', { method: 'POST', token: tokens.reader, body: {} })).json;
    assert.equal(seen.read_only, 'off');
    assert.equal(seen.method, 'POST');
  });

  it('POST to a STABLE function: READ ONLY', async () => {
    const seen = (await call('/rpc/probe_request_stable', { method: 'POST', token: tokens.reader, body: {} })).json;
    assert.equal(seen.read_only, 'on');
  });

  it('GET of a write function is READ ONLY: 405 with 25006, and nothing is written', async () => {
    const response = await call('/rpc/kinde_profile_upsert?kinde_id=kp_standin0003&lifetime_subscriber=true', { token: tokens.writer });
    assertPostgrestError(response, 405, '25006');
    const rows = await admin(`SELECT count(*)::int AS n FROM kinde_claims.profiles WHERE kinde_id = 'kp_standin0003'`);
    assert.equal(rows.rows[0].n, 0);
  });
});

describe('authentication', () => {
  it('anon: 401 with WWW-Authenticate: Bearer and the 42501 body', async () => {
    const response = await call('/rpc/kinde_claims_for?user_id=kp_standin0001');
    assertPostgrestError(response, 401, '42501');
    assert.equal(response.headers.get('www-authenticate'), 'Bearer');
  });

  it('a role without the grant: 403', async () => {
    const response = await call('/rpc/kinde_claims_for?user_id=kp_standin0001', { token: tokens.authenticated });
    assertPostgrestError(response, 403, '42501');
    assert.equal(response.headers.get('www-authenticate'), null);
  });

  it('the reader cannot write: 403', async () => {
    const response = await call('/rpc/kinde_profile_upsert', {
      method: 'POST', token: tokens.reader, body: { kinde_id: 'kp_standin0001', lifetime_subscriber: false },
    });
    assertPostgrestError(response, 403, '42501');
  });

  it('a JWT signed with another secret: 401 PGRST301, WWW-Authenticate: Bearer error="invalid_token"', async () => {
    const forged = await mintJwt({ role: 'kinde_workflow' }, { secret: 'y'.repeat(40) });
    const response = await call('/rpc/kinde_claims_for?user_id=kp_standin0001', { token: forged });
    assertPostgrestError(response, 401, 'PGRST301');
    assert.match(response.headers.get('www-authenticate'), /^Bearer error="invalid_token"/);
  });

  it('an expired JWT: 401 PGRST301 "JWT expired"', async () => {
    const expired = await mintJwt({ role: 'kinde_workflow' }, { expiresIn: Math.floor(Date.now() / 1000) - 3600 });
    const response = await call('/rpc/kinde_claims_for?user_id=kp_standin0001', { token: expired });
    assertPostgrestError(response, 401, 'PGRST301');
    assert.equal(response.json.message, 'JWT expired');
  });

  it('a JWT that is not a JWT: 401 PGRST301', async () => {
    const response = await call('/rpc/kinde_claims_for?user_id=kp_standin0001', { token: 'not-a-jwt' });
    assertPostgrestError(response, 401, 'PGRST301');
  });

  it('a role claim naming a role the login role was not granted: an error, never that role', async () => {
    const response = await call('/rpc/probe_request', { token: await mintJwt({ role: 'postgres' }) });
    assert.ok(response.status >= 400, response.text);
    assert.equal(response.json.code, '42501');
  });
});

describe('function resolution', () => {
  it('an extra argument key: 404 PGRST202', async () => {
    const response = await call('/rpc/kinde_claims_for?user_id=kp_standin0001&plan=pro', { token: tokens.reader });
    assertPostgrestError(response, 404, 'PGRST202');
  });

  it('a missing required key: 404 PGRST202', async () => {
    const response = await call('/rpc/kinde_profile_upsert', { method: 'POST', token: tokens.writer, body: { lifetime_subscriber: true } });
    assertPostgrestError(response, 404, 'PGRST202');
  });

  it('an unknown function: 404 PGRST202', async () => {
    assertPostgrestError(await call('/rpc/no_such_function', { token: tokens.reader }), 404, 'PGRST202');
  });

  it('functions outside the exposed schema are not callable', async () => {
    assertPostgrestError(await call('/rpc/revoke_default_privileges', { token: tokens.writer }), 404, 'PGRST202');
  });

  it("NOTIFY pgrst, 'reload schema' makes a new function callable", async () => {
    await admin('CREATE FUNCTION public.probe_added_later() RETURNS int LANGUAGE sql AS $$SELECT 42$$');
    try {
      assertPostgrestError(await call('/rpc/probe_added_later'), 404, 'PGRST202');
      await admin(`NOTIFY pgrst, 'reload schema'`);
      let response;
      for (let i = 0; i < 50; i++) {
        response = await call('/rpc/probe_added_later');
        if (response.status === 200) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(response.text, '42');
    } finally {
      await admin('DROP FUNCTION public.probe_added_later()');
    }
  });

  it('invalid JSON: 400 PGRST102', async () => {
    const response = await call('/rpc/kinde_claims_for', { method: 'POST', token: tokens.reader, body: '{"user_id":' });
    assertPostgrestError(response, 400, 'PGRST102');
  });

  it('an unsupported method: 405 PGRST117', async () => {
    assertPostgrestError(await call('/rpc/kinde_claims_for', { method: 'PUT', token: tokens.reader, body: {} }), 405, 'PGRST117');
  });
});

describe('SQLSTATE to HTTP status (FACTS.md §3)', () => {
  const table = [
    ['22023', 400], ['22004', 400], ['P0001', 400], ['23514', 400], ['42P10', 400],
    ['23505', 409], ['23503', 409], ['25006', 405], ['42883', 404],
    ['08006', 503], ['53300', 503], ['53400', 500], ['57P01', 503],
    ['54001', 500], ['55P03', 500], ['XX000', 500], ['P0002', 500], ['PT418', 418],
  ];
  for (const [sqlstate, status] of table) {
    it(`${sqlstate} -> ${status}`, async () => {
      const response = await call(`/rpc/probe_raise?sqlstate=${sqlstate}`, { token: tokens.reader });
      assertPostgrestError(response, status, sqlstate);
      assert.equal(response.json.message, `probe raised ${sqlstate}`);
      assert.equal(response.json.details, 'probe detail');
      assert.equal(response.json.hint, 'probe hint');
    });
  }

  it('42501 -> 401 for anon (with WWW-Authenticate), 403 for a role', async () => {
    const asAnon = await call('/rpc/probe_raise?sqlstate=42501');
    assertPostgrestError(asAnon, 401, '42501');
    assert.equal(asAnon.headers.get('www-authenticate'), 'Bearer');
    assertPostgrestError(await call('/rpc/probe_raise?sqlstate=42501', { token: tokens.reader }), 403, '42501');
  });

  it("57014 (the reader's 500ms statement_timeout on a locked table) -> 500", async () => {
    const locker = adminClient();
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE kinde_claims.profiles IN ACCESS EXCLUSIVE MODE');
      const started = performance.now();
      const response = await call('/rpc/kinde_claims_for?user_id=kp_standin0001', { token: tokens.reader });
      assertPostgrestError(response, 500, '57014');
      assert.ok(performance.now() - started < 1000);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  });

  it('database unreachable -> 503 PGRST000', async () => {
    const down = await startStandIn({ PGRST_DB_URI: `postgresql://authenticator@127.0.0.1:${await closedPort()}/x` });
    try {
      assertPostgrestError(await call('/rpc/kinde_claims_for?user_id=kp_x', { base: down.url, token: tokens.reader }), 503, 'PGRST000');
    } finally {
      await down.stop();
    }
  });
});
