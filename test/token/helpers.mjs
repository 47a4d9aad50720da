// Shared pieces of the token-path tests: the database the suite set up, JWTs for its roles,
// extra PostgREST stand-in instances, and the Kinde runtime's bindings for running the workflow.
// The suite (test/suites/40-token-path) exports KC_POSTGREST_URL, PGRST_JWT_SECRET, KC_TOKEN_DB
// and KC_TOKEN_DB_URI, and PGHOST/PGPORT/PGUSER for a superuser.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { SignJWT } from 'jose';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const postgrestUrl = requireEnv('KC_POSTGREST_URL');
export const jwtSecret = requireEnv('PGRST_JWT_SECRET');
export const databaseUri = requireEnv('KC_TOKEN_DB_URI');

function requireEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests through test/suites/40-token-path`);
  return value;
}

// A superuser connection to the suite's database, for seeding and for holding locks.
export function adminClient() {
  return new pg.Client({ database: requireEnv('KC_TOKEN_DB') });
}

export async function admin(sql, params = []) {
  const client = adminClient();
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

export function mintJwt(claims, { secret = jwtSecret, expiresIn = '1h' } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}

// A TCP port nothing listens on (it was free a moment ago).
export async function closedPort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Starts another stand-in with the suite's settings overridden by `env`; resolves once it listens.
export async function startStandIn(env = {}) {
  const child = spawn(process.execPath, [`${root}/test/postgrest/server.mjs`], {
    env: { ...process.env, PGRST_DB_URI: databaseUri, ...env, PGRST_SERVER_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const port = await new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`stand-in did not start: ${stderr}`)), 30000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /^listening on (\d+)$/m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`stand-in exited with ${code}: ${stderr}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise((resolve) => {
      child.removeAllListeners('exit');
      child.on('exit', resolve);
      child.kill('SIGTERM');
    }),
  };
}

// The host side of Kinde's fetch binding, as the workflow runtime provides it: a real HTTP
// request that resolves to the parsed body whatever the status, and rejects when the connection
// fails or takes longer than the host's timeout.
async function hostFetch(url, options, timeoutMs) {
  const response = await globalThis.fetch(url, {
    method: options.method,
    headers: options.headers,
    body: options.body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { json, text };
}

export const SECRET_VARIABLES = new Set(['KINDE_CLAIMS_API_KEY']);

// Runs the workflow once, the way @kinde/infrastructure's own tests do: a global `kinde` object
// with the bindings the workflow declares. Returns what it did: the claims it set on the access
// token, the denyAccess reasons, the requests it made and what it logged.
export async function runWorkflow(workflow, { userId, env, fetchTimeoutMs = 800 }) {
  const result = { claims: {}, denied: [], requests: [], logs: [], elapsedMs: 0 };
  const tokenClaims = {};
  globalThis.kinde = {
    env: {
      get: (key) => (key in env ? { value: env[key], isSecret: SECRET_VARIABLES.has(key) } : undefined),
    },
    accessToken: {
      getCustomClaims: () => tokenClaims,
      setCustomClaim: (name, value) => { result.claims[name] = value; },
    },
    auth: { denyAccess: (reason) => { result.denied.push(reason); } },
    fetch: (url, options) => {
      result.requests.push({ url, options: structuredClone(options) });
      return hostFetch(url, options, fetchTimeoutMs);
    },
  };
  const saved = { log: console.log, error: console.error };
  console.log = (...args) => { result.logs.push(args.join(' ')); };
  console.error = (...args) => { result.logs.push(args.join(' ')); };
  const started = performance.now();
  try {
    await workflow(tokenEvent(userId));
  } finally {
    result.elapsedMs = performance.now() - started;
    console.log = saved.log;
    console.error = saved.error;
    delete globalThis.kinde;
  }
  return result;
}

// A user:tokens_generation event as Kinde sends it on a refresh-token exchange.
export function tokenEvent(userId) {
  return {
    request: { ip: '203.0.113.7', userAgent: 'node-test', auth: { audience: ['https://api.example.com'] } },
    context: {
      domains: { kindeDomain: 'https://example.kinde.com' },
      application: { clientId: 'test-client' },
      auth: { origin: 'refresh_token_request', connectionId: 'conn_test', isExistingSession: true },
      user: { id: userId, identityId: 'identity_test' },
      workflow: { trigger: 'user:tokens_generation' },
      organization: { code: 'org_test' },
    },
  };
}
