// Test fixture, not product code: a stand-in for Supabase Auth's token endpoint, which these
// machines cannot install, as far as the custom access token hook goes. It issues access tokens
// the way Auth does (FACTS.md §10-§12, from supabase/auth @ bc32168):
//   * it connects as the role Auth connects as (supabase_auth_admin) and, in the transaction that
//     writes the session and the refresh token (holding the user's row lock), runs exactly
//       set local statement_timeout TO '2000';  select "schema"."function"($1);
//       set local statement_timeout TO default;
//     with the JSON-encoded event {metadata, user_id, claims, authentication_method} bound as
//     the one parameter (hookspgfunc.go, v0hooks.go);
//   * a SQL error rolls the transaction back and answers 500 "Error running hook URI: ..."
//     (manager.go); an output {"error": {"http_code", "message"}} with a non-empty message
//     answers that status (500 when absent or 0) with that message (hookserrors.go); an output
//     without "claims" answers 500 "output claims field is missing"; claims that fail Auth's
//     JSON Schema (MinimumViableTokenSchema, validated here with ajv) answer 500 "output claims
//     do not conform to the expected schema"; otherwise the output's claims become the whole
//     token body, signed HS256 with the project's JWT secret (service.go).
//   * Kinde signs users in as the custom OIDC provider custom:kinde: Auth records
//     auth.identities (provider, provider_id = the ID token's sub, identity_data) and merges the
//     identity data into auth.users.raw_user_meta_data (external.go, identity.go), and the
//     token's authentication_method is "oauth"; a refresh is "token_refresh".
//
// Endpoints (the request and answer bodies are this stand-in's own, not Auth's exact wire format):
//   POST /test/oidc-sign-in  {"provider": "custom:kinde", "id_token_claims": {"sub": "kp_...", ...}}
//        Auth's OIDC callback and code exchange after the provider verified the ID token.
//   POST /test/password-sign-up {"email": "..."}   a user with an email identity (no Kinde).
//   POST /token?grant_type=refresh_token {"refresh_token": "..."}
//   Each answers 200 {"access_token", "token_type": "bearer", "expires_in", "refresh_token",
//   "user": {"id"}} or STATUS {"code": STATUS, "msg": "..."}.
//
// Configuration (environment):
//   AUTH_DB_URI       libpq URI of supabase_auth_admin (Auth's own connection)
//   AUTH_JWT_SECRET   HS256 secret, at least 32 characters (PostgREST verifies with the same)
//   AUTH_HOOK_URI     pg-functions://postgres/<schema>/<function> (FACTS.md §10); unset: no hook
//   AUTH_JWT_EXP      token lifetime in seconds (default 3600)
//   AUTH_PORT         default 0 (a free port); prints "listening on <port>" when ready
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import process from 'node:process';
import Ajv from 'ajv';
import { SignJWT } from 'jose';
import pg from 'pg';

// Auth's MinimumViableTokenSchema (FACTS.md §11): required names and types, extra claims allowed.
export const minimumViableTokenSchema = {
  type: 'object',
  properties: {
    aud: { type: ['string', 'array'] },
    exp: { type: 'integer' },
    jti: { type: 'string' },
    iat: { type: 'integer' },
    iss: { type: 'string' },
    nbf: { type: 'integer' },
    sub: { type: 'string' },
    email: { type: 'string' },
    phone: { type: 'string' },
    app_metadata: { type: 'object', additionalProperties: true },
    user_metadata: { type: 'object', additionalProperties: true },
    role: { type: 'string' },
    aal: { type: 'string' },
    amr: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'object' }] } },
    session_id: { type: 'string' },
    client_id: { type: 'string' },
  },
  required: ['aud', 'exp', 'iat', 'sub', 'email', 'phone', 'role', 'aal', 'session_id', 'is_anonymous'],
};

const HOOK_NAME = /^[a-zA-Z_][a-zA-Z0-9_]{0,62}$/;

function fail(message) {
  process.stderr.write(`auth stand-in: ${message}\n`);
  process.exit(2);
}

// pg-functions://<ignored>/<schema>/<function> -> "schema"."function" (configuration.go).
export function hookStatement(uri) {
  const match = /^pg-functions:\/\/[^/]*\/([^/]+)\/([^/]+)$/.exec(uri);
  if (!match || !HOOK_NAME.test(match[1]) || !HOOK_NAME.test(match[2])) return null;
  return `select "${match[1]}"."${match[2]}"($1);`;
}

const config = {
  dbUri: process.env.AUTH_DB_URI,
  secret: process.env.AUTH_JWT_SECRET ?? '',
  hookUri: process.env.AUTH_HOOK_URI || null,
  lifetime: Number(process.env.AUTH_JWT_EXP ?? 3600),
  port: Number(process.env.AUTH_PORT ?? 0),
};
if (!config.dbUri) fail('AUTH_DB_URI is required');
if (config.secret.length < 32) fail('AUTH_JWT_SECRET must be at least 32 characters');
const hookCall = config.hookUri ? hookStatement(config.hookUri) : null;
if (config.hookUri && !hookCall) fail(`AUTH_HOOK_URI is not a valid pg-functions URI: ${config.hookUri}`);

const validateClaims = new Ajv({ allErrors: true, strict: false }).compile(minimumViableTokenSchema);
const secretKey = new TextEncoder().encode(config.secret);
const pool = new pg.Pool({ connectionString: config.dbUri, max: 4, application_name: 'supabase-auth-stand-in' });
pool.on('error', () => {});

class AuthError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// Runs the hook in the token transaction and turns its answer into the token's claims, or throws
// AuthError as Auth would answer.
async function customizeClaims(client, userId, claims, method) {
  if (!hookCall) return claims;
  const input = {
    metadata: { uuid: randomUUID(), time: new Date().toISOString(), name: 'customize-access-token' },
    user_id: userId,
    claims,
    authentication_method: method,
  };
  let output;
  try {
    await client.query("set local statement_timeout TO '2000';");
    const result = await client.query(hookCall, [JSON.stringify(input)]);
    await client.query('set local statement_timeout TO default;');
    output = Object.values(result.rows[0])[0];
  } catch (err) {
    process.stderr.write(`auth stand-in: hook failed: ${err.code ?? ''} ${err.message}\n`);
    throw new AuthError(500, `Error running hook URI: ${config.hookUri}`);
  }
  if (output !== null && typeof output === 'object' && output.error && output.error.message) {
    throw new AuthError(output.error.http_code || 500, output.error.message);
  }
  if (output === null || typeof output !== 'object' || !('claims' in output)) {
    // SQL NULL decodes to nothing: no claims, which the schema check refuses (FACTS.md §11).
    if (output === null) throw new AuthError(500, 'output claims do not conform to the expected schema');
    throw new AuthError(500, 'output claims field is missing');
  }
  if (!validateClaims(output.claims)) {
    throw new AuthError(500, 'output claims do not conform to the expected schema');
  }
  return output.claims;
}

// GenerateAccessToken: the session's and refresh token's rows and the hook in one transaction.
async function issueTokens(userId, method, sessionId) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const user = await client.query(
      'SELECT id, email, phone, raw_app_meta_data, raw_user_meta_data, is_anonymous FROM auth.users WHERE id = $1 FOR UPDATE',
      [userId]);
    if (user.rowCount === 0) throw new AuthError(404, 'User not found');
    const row = user.rows[0];
    const now = Math.floor(Date.now() / 1000);
    let session = sessionId;
    if (!session) {
      session = randomUUID();
      await client.query("INSERT INTO auth.sessions (id, user_id, created_at, updated_at, aal) VALUES ($1, $2, now(), now(), 'aal1')",
        [session, userId]);
    } else {
      await client.query('UPDATE auth.sessions SET refreshed_at = now(), updated_at = now() WHERE id = $1', [session]);
    }
    const refreshToken = randomBytes(12).toString('base64url');
    await client.query(
      'INSERT INTO auth.refresh_tokens (token, user_id, revoked, session_id, created_at, updated_at) VALUES ($1, $2, false, $3, now(), now())',
      [refreshToken, userId, session]);
    const claims = {
      iss: 'http://127.0.0.1/auth/v1',
      sub: userId,
      aud: 'authenticated',
      exp: now + config.lifetime,
      iat: now,
      email: row.email ?? '',
      phone: row.phone ?? '',
      app_metadata: row.raw_app_meta_data ?? {},
      user_metadata: row.raw_user_meta_data ?? {},
      role: 'authenticated',
      aal: 'aal1',
      amr: [{ method: method === 'token_refresh' ? 'oauth' : method, timestamp: now }],
      session_id: session,
      is_anonymous: row.is_anonymous ?? false,
    };
    const finalClaims = await customizeClaims(client, userId, claims, method);
    await client.query('COMMIT');
    const accessToken = await new SignJWT(finalClaims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(secretKey);
    return { access_token: accessToken, token_type: 'bearer', expires_in: config.lifetime, refresh_token: refreshToken,
      user: { id: userId } };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

// The OIDC callback for a custom provider: find or create the user by the identity
// (provider, provider_id = sub), merge the identity data into the user's metadata.
async function oidcSignIn(body) {
  const provider = String(body.provider ?? '').toLowerCase();
  const idClaims = body.id_token_claims;
  if (!provider.startsWith('custom:') || !idClaims || typeof idClaims.sub !== 'string' || idClaims.sub === '') {
    throw new AuthError(400, 'provider (custom:...) and id_token_claims.sub are required');
  }
  const identityData = { ...idClaims, email_verified: Boolean(idClaims.email_verified), phone_verified: false };
  const client = await pool.connect();
  let userId;
  try {
    await client.query('BEGIN');
    const found = await client.query('SELECT user_id FROM auth.identities WHERE provider = $1 AND provider_id = $2',
      [provider, idClaims.sub]);
    if (found.rowCount > 0) {
      userId = found.rows[0].user_id;
      await client.query('UPDATE auth.identities SET identity_data = $3, last_sign_in_at = now(), updated_at = now() WHERE provider = $1 AND provider_id = $2',
        [provider, idClaims.sub, identityData]);
      await client.query("UPDATE auth.users SET raw_user_meta_data = coalesce(raw_user_meta_data, '{}') || $2, updated_at = now() WHERE id = $1",
        [userId, identityData]);
    } else {
      userId = randomUUID();
      await client.query(
        "INSERT INTO auth.users (id, aud, role, email, raw_app_meta_data, raw_user_meta_data, created_at, updated_at) VALUES ($1, 'authenticated', 'authenticated', $2, $3, $4, now(), now())",
        [userId, idClaims.email ?? null, { provider, providers: [provider] }, identityData]);
      await client.query(
        'INSERT INTO auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at) VALUES ($1, $2, $3, $4, now(), now(), now())',
        [idClaims.sub, userId, identityData, provider]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
  return issueTokens(userId, 'oauth', null);
}

async function passwordSignUp(body) {
  if (typeof body.email !== 'string' || body.email === '') throw new AuthError(400, 'email is required');
  const userId = randomUUID();
  await pool.query(
    "INSERT INTO auth.users (id, aud, role, email, raw_app_meta_data, raw_user_meta_data, created_at, updated_at) VALUES ($1, 'authenticated', 'authenticated', $2, '{\"provider\": \"email\", \"providers\": [\"email\"]}', $3, now(), now())",
    [userId, body.email, body.user_metadata ?? {}]);
  await pool.query(
    "INSERT INTO auth.identities (provider_id, user_id, identity_data, provider, created_at, updated_at) VALUES ($1, $2, $3, 'email', now(), now())",
    [userId, userId, { sub: userId, email: body.email }]);
  return issueTokens(userId, 'password', null);
}

async function refresh(body) {
  const found = await pool.query(
    'SELECT user_id, session_id, revoked FROM auth.refresh_tokens WHERE token = $1', [String(body.refresh_token ?? '')]);
  if (found.rowCount === 0 || found.rows[0].revoked) throw new AuthError(400, 'Invalid Refresh Token: Refresh Token Not Found');
  await pool.query('UPDATE auth.refresh_tokens SET revoked = true WHERE token = $1', [body.refresh_token]);
  return issueTokens(found.rows[0].user_id, 'token_refresh', found.rows[0].session_id);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {});
      } catch {
        reject(new AuthError(400, 'the body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://stand-in');
  const send = (status, body) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  try {
    if (req.method !== 'POST') throw new AuthError(405, 'method not allowed');
    const body = await readBody(req);
    if (url.pathname === '/test/oidc-sign-in') return send(200, await oidcSignIn(body));
    if (url.pathname === '/test/password-sign-up') return send(200, await passwordSignUp(body));
    if (url.pathname === '/token' && url.searchParams.get('grant_type') === 'refresh_token') {
      return send(200, await refresh(body));
    }
    throw new AuthError(404, 'not found');
  } catch (err) {
    if (err instanceof AuthError) return send(err.status, { code: err.status, msg: err.message });
    process.stderr.write(`auth stand-in: ${err.stack}\n`);
    return send(500, { code: 500, msg: 'Unexpected failure' });
  }
});
server.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`listening on ${server.address().port}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  pool.end().finally(() => process.exit(0));
});
