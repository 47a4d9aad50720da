// Test fixture, not product code: a stand-in for the two Kinde endpoints `kinde-claims-shim sync`
// calls, checking what Kinde checks (FACTS.md §5, from Kinde's docs and its Management API
// OpenAPI spec):
//   POST /oauth2/token  form-encoded (application/x-www-form-urlencoded) with exactly
//        grant_type=client_credentials, client_id, client_secret and audience=<base>/api;
//        answers {"access_token", "expires_in", "token_type", "scope"}.
//   POST /api/v1/users/{user_id}/refresh_claims  with "Authorization: Bearer <a token it issued,
//        unexpired>"; answers 200 {"message": "Success", "code": "OK"}, 401 without a good bearer,
//        405 for another method, 404 for another path.
// The base is the URL the client reached it by (http://<Host header>).
//
// Configuration (environment):
//   KINDE_STANDIN_PORT           default 0 (a free port; printed as "listening on <port>")
//   KINDE_STANDIN_CLIENT_ID      the M2M application's client id (required)
//   KINDE_STANDIN_CLIENT_SECRET  its secret (required)
//   KINDE_STANDIN_TOKEN_TTL      expires_in of the tokens it issues, seconds (default 86400)
//   KINDE_STANDIN_DELAY_MS       how long each refresh_claims takes to answer (default 0)
//
// Control endpoints for the tests (not Kinde's):
//   POST /_standin/script  JSON: {"refresh": [answer...]} queues answers the next refresh_claims
//        calls get instead of 200, one each, in order: {"status": 503}, {"status": 429, "reset": 2}
//        (RateLimit-Reset: 2), {"status": 401}, {"hang": true} (never answers). Also
//        "unknownUsers": {"kp_x": 404, ...} (that user always gets that status), "everyUser": 404
//        (every user gets that status, as a Kinde business that has none of them answers: the
//        wrong environment; null turns it off), "delayMs": N,
//        "revokeTokens": true (every token issued so far is refused from now on), "tokenFails": N
//        (the next N token requests get 503), "limit": {"calls": N, "windowMs": W} (a rate
//        limiter like Kinde's, FACTS.md §5: at most N refresh_claims calls are answered in each
//        window of W ms, counted from the first call after the previous window ended; a call
//        beyond that gets 429 at once with RateLimit-Reset, the whole seconds until the window
//        ends, rounded up; "limit": null turns it off).
//   GET  /_standin/calls   every call so far: {"at" (ms since the epoch), "kind" ("token",
//        "refresh" or "other"), "method", "path", "user_id", "status", "problem" (what was wrong
//        with the request, or null), and for the limiter's 429 "reset" (the RateLimit-Reset sent)}.
//   POST /_standin/reset   forgets the calls, the script, the unknown users (every user's status
//        too), the delay and the limit.
// SIGTERM stops it.
import http from 'node:http';
import crypto from 'node:crypto';
import process from 'node:process';

const clientId = process.env.KINDE_STANDIN_CLIENT_ID;
const clientSecret = process.env.KINDE_STANDIN_CLIENT_SECRET;
if (!clientId || !clientSecret) {
  process.stderr.write('kinde stand-in: KINDE_STANDIN_CLIENT_ID and KINDE_STANDIN_CLIENT_SECRET are required\n');
  process.exit(2);
}
const tokenTtl = Number(process.env.KINDE_STANDIN_TOKEN_TTL ?? 86400);

let state;
function resetState() {
  state = {
    calls: [],
    script: [],
    unknownUsers: {},
    everyUser: null,
    delayMs: Number(process.env.KINDE_STANDIN_DELAY_MS ?? 0),
    tokens: new Map(), // token -> expiry (ms since the epoch)
    tokenFails: 0,
    limit: null, // {calls, windowMs, windowEnds, used}
  };
}
resetState();

const now = () => performance.timeOrigin + performance.now();

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const kindeError = (code, message) => ({ errors: [{ code, message }] });

// The client-credentials request, checked field by field.
function tokenAnswer(req, text) {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    return [400, { error: 'invalid_request', error_description: 'not form-encoded' }, `content-type ${type}`];
  }
  const form = new URLSearchParams(text);
  const fields = [...form.keys()].sort().join(',');
  if (fields !== 'audience,client_id,client_secret,grant_type') {
    return [400, { error: 'invalid_request', error_description: 'wrong fields' }, `fields ${fields}`];
  }
  if (form.get('grant_type') !== 'client_credentials') {
    return [400, { error: 'unsupported_grant_type' }, `grant_type ${form.get('grant_type')}`];
  }
  if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
    return [401, { error: 'invalid_client' }, 'wrong client_id or client_secret'];
  }
  const audience = `http://${req.headers.host}/api`;
  if (form.get('audience') !== audience) {
    return [400, { error: 'invalid_request', error_description: 'bad audience' }, `audience ${form.get('audience')}`];
  }
  if (state.tokenFails > 0) {
    state.tokenFails -= 1;
    return [503, { error: 'temporarily_unavailable' }, null];
  }
  const token = `m2m_${crypto.randomBytes(24).toString('hex')}`;
  state.tokens.set(token, now() + tokenTtl * 1000);
  return [200, { access_token: token, expires_in: tokenTtl, token_type: 'bearer', scope: 'update:user_refresh_claims' }, null];
}

function bearerProblem(req) {
  const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  if (!match) return 'no bearer';
  const expiry = state.tokens.get(match[1]);
  if (expiry === undefined) return 'unknown or revoked token';
  if (expiry < now()) return 'expired token';
  return null;
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://stand-in');
  const text = await readBody(req);
  const record = { at: now(), kind: 'other', method: req.method, path: url.pathname, user_id: null, status: 0, problem: null };

  if (url.pathname.startsWith('/_standin/')) {
    if (url.pathname === '/_standin/calls' && req.method === 'GET') return send(res, 200, state.calls);
    if (url.pathname === '/_standin/reset' && req.method === 'POST') {
      const tokens = state.tokens;
      resetState();
      state.tokens = tokens; // issued tokens stay good: a reset is not a revocation
      return send(res, 200, { ok: true });
    }
    if (url.pathname === '/_standin/script' && req.method === 'POST') {
      const script = JSON.parse(text || '{}');
      state.script.push(...(script.refresh ?? []));
      Object.assign(state.unknownUsers, script.unknownUsers ?? {});
      if (script.everyUser !== undefined) state.everyUser = script.everyUser === null ? null : Number(script.everyUser);
      if (script.delayMs !== undefined) state.delayMs = Number(script.delayMs);
      if (script.tokenFails !== undefined) state.tokenFails = Number(script.tokenFails);
      if (script.revokeTokens) state.tokens.clear();
      if (script.limit !== undefined) {
        state.limit = script.limit && { calls: Number(script.limit.calls), windowMs: Number(script.limit.windowMs ?? 1000), windowEnds: 0, used: 0 };
      }
      return send(res, 200, { ok: true, queued: state.script.length });
    }
    return send(res, 404, { error: 'no such control endpoint' });
  }

  state.calls.push(record);
  if (url.pathname === '/oauth2/token') {
    record.kind = 'token';
    if (req.method !== 'POST') {
      record.status = 405;
      record.problem = `method ${req.method}`;
      return send(res, 405, { error: 'invalid_request' });
    }
    const [status, body, problem] = tokenAnswer(req, text);
    record.status = status;
    record.problem = problem;
    return send(res, status, body);
  }

  const refresh = /^\/api\/v1\/users\/([^/]+)\/refresh_claims$/.exec(url.pathname);
  if (!refresh) {
    record.status = 404;
    record.problem = 'unknown path';
    return send(res, 404, kindeError('ROUTE_NOT_FOUND', 'The requested API route does not exist'));
  }
  record.kind = 'refresh';
  record.user_id = decodeURIComponent(refresh[1]);
  if (req.method !== 'POST') {
    record.status = 405;
    record.problem = `method ${req.method}`;
    return send(res, 405, kindeError('METHOD_NOT_ALLOWED', 'Method not allowed'));
  }
  const problem = bearerProblem(req);
  if (problem) {
    record.status = 401;
    record.problem = problem;
    return send(res, 401, kindeError('UNAUTHORIZED', 'Invalid or missing token'));
  }
  // The rate limiter answers before anything else is done for the call, as a gateway's would.
  if (state.limit) {
    const at = now();
    if (at >= state.limit.windowEnds) Object.assign(state.limit, { windowEnds: at + state.limit.windowMs, used: 0 });
    if (state.limit.used >= state.limit.calls) {
      record.status = 429;
      record.reset = Math.ceil((state.limit.windowEnds - at) / 1000);
      return send(res, 429, kindeError('TOO_MANY_REQUESTS', 'Request was throttled'), { 'RateLimit-Reset': String(record.reset) });
    }
    state.limit.used += 1;
  }
  const scripted = state.script.shift();
  if (scripted?.hang) {
    record.status = 'hang';
    return; // never answered; the client's timeout ends it
  }
  if (state.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, state.delayMs));
  if (scripted) {
    record.status = scripted.status;
    if (scripted.status === 401) return send(res, 401, kindeError('UNAUTHORIZED', 'Invalid or missing token'));
    if (scripted.status === 429) {
      return send(res, 429, kindeError('TOO_MANY_REQUESTS', 'Request was throttled'),
        scripted.reset === undefined ? {} : { 'RateLimit-Reset': String(scripted.reset) });
    }
    return send(res, scripted.status, kindeError('SCRIPTED', `scripted ${scripted.status}`));
  }
  const unknown = state.unknownUsers[record.user_id] ?? state.everyUser;
  if (unknown) {
    record.status = unknown;
    return send(res, unknown, kindeError('USER_INVALID', 'Invalid user ID'));
  }
  record.status = 200;
  return send(res, 200, { message: 'Success', code: 'OK' });
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    process.stderr.write(`kinde stand-in: ${err.stack}\n`);
    if (!res.headersSent) send(res, 500, kindeError('STANDIN', err.message));
  });
});
server.keepAliveTimeout = 60000;
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
server.listen(Number(process.env.KINDE_STANDIN_PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening on ${server.address().port}\n`);
});
