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

// A database of its own, without the extension, in the suite's cluster: where a test serves
// crafted kinde_claims_for answers (the extension refuses such a function in any schema of its
// own database). Resolves { uri, query(sql, params), drop() }; `uri` is for a stand-in.
export async function scratchDatabase(name) {
  await admin(`DROP DATABASE IF EXISTS ${name}`);
  await admin(`CREATE DATABASE ${name}`);
  const query = async (sql, params = []) => {
    const client = new pg.Client({ database: name });
    await client.connect();
    try {
      return await client.query(sql, params);
    } finally {
      await client.end();
    }
  };
  return {
    uri: databaseUri.replace(/\/[^/]*$/, `/${name}`),
    query,
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
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

export { runWorkflow, SECRET_VARIABLES, tokenEvent } from './kinde-runtime.mjs';
