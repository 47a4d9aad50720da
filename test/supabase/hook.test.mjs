// kinde_claims_access_token_hook through a Supabase Auth stand-in (auth-standin.mjs, a fixture that
// calls the hook exactly as Auth does, FACTS.md §10-§12), the shim (Kinde's signed webhooks) and
// the PostgREST stand-in (RLS reading the token's claims). Run by test/suites/45-supabase-auth,
// once per edition, which sets up the database and exports:
//   KC_EDITION (cpp or sql), KC_SUPABASE_DB, KC_SUPABASE_OWNER (the SQL edition's owner),
//   KC_POSTGREST_URL, KC_WEBHOOK_URL, KC_SIGNER_DIR, KC_AUTH_DB_URI, PGRST_JWT_SECRET, and libpq's
//   PGHOST/PGPORT/PGUSER for a superuser.
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import process from 'node:process';
import { decodeJwt } from 'jose';
import pg from 'pg';

const env = process.env;
const edition = env.KC_EDITION ?? 'cpp';
const HOOK_URI = 'pg-functions://postgres/public/kinde_claims_access_token_hook';
const standins = [];
let admin;
let owner;

// Starts an Auth stand-in with a hook URI; resolves to its base URL.
function startAuth(hookUri = HOOK_URI) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['test/supabase/auth-standin.mjs'], {
      env: { ...env, AUTH_DB_URI: env.KC_AUTH_DB_URI, AUTH_JWT_SECRET: env.PGRST_JWT_SECRET, AUTH_HOOK_URI: hookUri },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    standins.push(child);
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.stdout.on('data', (d) => {
      out += d;
      const match = /listening on (\d+)/.exec(out);
      if (match) resolve(`http://127.0.0.1:${match[1]}`);
    });
    child.on('exit', (code) => reject(new Error(`auth stand-in exited ${code}: ${err}`)));
  });
}

async function post(url, body, headers = {}) {
  const response = await fetch(url, {
    method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

const signIn = (auth, kindeId, extra = {}) =>
  post(`${auth}/test/oidc-sign-in`, { provider: 'custom:kinde', id_token_claims: { sub: kindeId, email: `${kindeId}@example.com`, ...extra } });
const refresh = (auth, refreshToken) => post(`${auth}/token?grant_type=refresh_token`, { refresh_token: refreshToken });
const rpc = (name, token) =>
  post(`${env.KC_POSTGREST_URL}/rpc/${name}`, {}, token ? { Authorization: `Bearer ${token}` } : {});

// Kinde's part: a signed user.created webhook delivered to the shim.
async function kindeCreates(kindeId, eventId) {
  const jwt = execFileSync(process.execPath, ['test/shim/webhook-signer.mjs', 'sign', env.KC_SIGNER_DIR, 'user.created',
    eventId, kindeId, new Date().toISOString()]).toString().trim();
  const response = await fetch(env.KC_WEBHOOK_URL, { method: 'POST', headers: { 'Content-Type': 'application/jwt' }, body: jwt });
  return { status: response.status, body: await response.json() };
}

const sql = (text, params) => admin.query(text, params);

before(async () => {
  admin = new pg.Client({ database: env.KC_SUPABASE_DB });
  await admin.connect();
  if (edition === 'sql') {
    owner = new pg.Client({ database: env.KC_SUPABASE_DB, user: env.KC_SUPABASE_OWNER });
    await owner.connect();
  }
});
after(async () => {
  for (const child of standins) child.kill('SIGTERM');
  await admin.end();
  await owner?.end();
});

// kinde_claims.supabase_hook_on_error for the database, VALUE or null for the default: the C++
// edition's is a superuser's ALTER DATABASE ... SET, the SQL edition's the owner's row written with
// kinde_claims.setting_set (docs/hosted.md#settings).
async function setHookOnError(value) {
  if (edition === 'sql') {
    await owner.query("SELECT kinde_claims.setting_set('kinde_claims.supabase_hook_on_error', $1)", [value]);
  } else if (value === null) {
    await sql(`ALTER DATABASE ${env.KC_SUPABASE_DB} RESET kinde_claims.supabase_hook_on_error`);
  } else {
    await sql(`ALTER DATABASE ${env.KC_SUPABASE_DB} SET kinde_claims.supabase_hook_on_error = ${value}`);
  }
}

describe(`${edition} edition: a Kinde user signed in through Supabase Auth`, () => {
  let auth;
  before(async () => { auth = await startAuth(); });

  test('carries lifetime_subscriber false, then true on the refresh after the purchase; RLS follows the token', async () => {
    const created = await kindeCreates('kp_supa1', 'event_supa_1');
    assert.equal(created.status, 200);
    assert.equal(created.body.result, 'applied');

    const first = await signIn(auth, 'kp_supa1');
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const firstClaims = decodeJwt(first.body.access_token);
    assert.equal(firstClaims.lifetime_subscriber, false);
    assert.equal(firstClaims.role, 'authenticated');
    assert.equal(firstClaims.sub, first.body.user.id);
    assert.deepEqual(await rpc('premium_titles', first.body.access_token), { status: 200, body: [] });

    // The purchase, recorded as the app's backend would.
    await sql("SELECT kinde_profile_upsert('kp_supa1', lifetime_subscriber => true)");

    const second = await refresh(auth, first.body.refresh_token);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    const secondClaims = decodeJwt(second.body.access_token);
    assert.equal(secondClaims.lifetime_subscriber, true);
    assert.equal(secondClaims.session_id, firstClaims.session_id, 'a refresh keeps the session');
    assert.deepEqual(await rpc('premium_titles', second.body.access_token),
      { status: 200, body: ['Lifetime members only'] });
    // The token issued before the purchase still says false, and RLS still refuses it.
    assert.deepEqual(await rpc('premium_titles', first.body.access_token), { status: 200, body: [] });
  });

  test('a Kinde user with no profile gets the defaults', async () => {
    const answer = await signIn(auth, 'kp_supanoprofile');
    assert.equal(answer.status, 200);
    assert.equal(decodeJwt(answer.body.access_token).lifetime_subscriber, false);
  });

  test('a password user gets Supabase claims only, even with a Kinde id in user_metadata', async () => {
    const answer = await post(`${auth}/test/password-sign-up`, { email: 'pw@example.com', user_metadata: { sub: 'kp_supa1' } });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const claims = decodeJwt(answer.body.access_token);
    assert.equal('lifetime_subscriber' in claims, false);
    assert.equal(claims.user_metadata.sub, 'kp_supa1');
    assert.deepEqual(await rpc('premium_titles', answer.body.access_token), { status: 200, body: [] });
  });

  test('a stored "role": "service_role" never reaches the token role, and PostgREST runs as authenticated', async () => {
    await kindeCreates('kp_suparole', 'event_supa_role');
    await sql(`SELECT kinde_profile_upsert('kp_suparole', true,
               '{"role": "service_role", "app_metadata": {"admin": true}, "session_id": "x", "app_role": "admin"}')`);
    const answer = await signIn(auth, 'kp_suparole');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const claims = decodeJwt(answer.body.access_token);
    assert.equal(claims.role, 'authenticated');
    assert.equal(claims.app_role, 'admin');
    assert.notEqual(claims.session_id, 'x');
    assert.equal(claims.app_metadata.admin, undefined);
    const who = await rpc('whoami', answer.body.access_token);
    assert.deepEqual(who.body, { current_user: 'authenticated', role_claim: 'authenticated' });
  });

  test('a 4 KB claims object reaches the token whole and passes Auth\'s schema', async () => {
    const notes = 'n'.repeat(4000); // with its name and lifetime_subscriber, just under max_claims_bytes (4096)
    await sql("SELECT kinde_profile_upsert('kp_supabig', true, jsonb_build_object('notes', $1::text))", [notes]);
    const answer = await signIn(auth, 'kp_supabig');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(decodeJwt(answer.body.access_token).notes, notes);
  });
});

describe(`${edition} edition: failures, open and closed`, () => {
  let auth;
  before(async () => {
    auth = await startAuth();
    await sql("SELECT kinde_profile_upsert('kp_supalock', true)");
    await signIn(auth, 'kp_supalock');
  });
  after(async () => { await setHookOnError(null); });

  // kinde_claims.supabase_hook_on_error set to ON_ERROR, and an Auth stand-in whose connections
  // start after it.
  async function authWith(onError) {
    await setHookOnError(onError);
    return startAuth();
  }

  // Holds ACCESS EXCLUSIVE on the profiles table (as VACUUM FULL or DDL would) while FN runs.
  async function whileLocked(fn) {
    const locker = new pg.Client({ database: env.KC_SUPABASE_DB });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE kinde_claims.profiles IN ACCESS EXCLUSIVE MODE');
      return await fn();
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  }

  test('open: a lock held on the profiles table still signs the user in, well inside Auth\'s 2 s, without the claims', async () => {
    const started = Date.now();
    const answer = await whileLocked(() => signIn(auth, 'kp_supalock'));
    const elapsed = Date.now() - started;
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal('lifetime_subscriber' in decodeJwt(answer.body.access_token), false);
    assert.ok(elapsed < 1900, `took ${elapsed} ms`);
    // Once the lock is gone, the next refresh carries the claims again.
    const again = await refresh(auth, answer.body.refresh_token);
    assert.equal(decodeJwt(again.body.access_token).lifetime_subscriber, true);
  });

  test('closed: the same lock refuses the token with 503 and the hook\'s message, and writes no session', async () => {
    const closedAuth = await authWith('closed');
    const before = (await sql('SELECT count(*)::int AS n FROM auth.sessions')).rows[0].n;
    const answer = await whileLocked(() => signIn(closedAuth, 'kp_supalock'));
    assert.deepEqual(answer, { status: 503, body: { code: 503, msg: "kinde_claims: the token's claims could not be read" } });
    const after = (await sql('SELECT count(*)::int AS n FROM auth.sessions')).rows[0].n;
    assert.equal(after, before, 'Auth rolled the session back');
  });

  test('closed: two Kinde identities for one user refuse the token with 500; open issues it without claims', async () => {
    const closedAuth = await authWith('closed');
    const signedIn = await signIn(closedAuth, 'kp_supatwo1');
    assert.equal(signedIn.status, 200);
    await sql("INSERT INTO auth.identities (provider_id, user_id, identity_data, provider) VALUES ('kp_supatwo2', $1, '{}', 'custom:kinde')",
      [signedIn.body.user.id]);
    const closed = await refresh(closedAuth, signedIn.body.refresh_token);
    assert.deepEqual(closed, { status: 500, body: { code: 500, msg: "kinde_claims: the token's claims could not be read" } });
    const openAuth = await authWith('open');
    const open = await signIn(openAuth, 'kp_supatwo1');
    assert.equal(open.status, 200);
    assert.equal('lifetime_subscriber' in decodeJwt(open.body.access_token), false);
  });

  test('open: without the grant to supabase_auth_admin, Auth fails the sign-in with 500 (the docs\' grant is needed)', async () => {
    await sql('REVOKE EXECUTE ON FUNCTION public.kinde_claims_access_token_hook(jsonb) FROM supabase_auth_admin');
    try {
      const answer = await signIn(auth, 'kp_supalock');
      assert.deepEqual(answer, { status: 500, body: { code: 500, msg: `Error running hook URI: ${HOOK_URI}` } });
    } finally {
      await sql('GRANT EXECUTE ON FUNCTION public.kinde_claims_access_token_hook(jsonb) TO supabase_auth_admin');
    }
  });
});

// The stand-in's own checks, whatever the edition: run once, with the C++ edition.
if (edition === 'cpp') describe('the Auth stand-in checks what Auth checks', () => {
  // Hooks that break Auth's contract, in a schema of their own, granted to supabase_auth_admin.
  before(async () => {
    await sql(`CREATE SCHEMA IF NOT EXISTS hooks;
      GRANT USAGE ON SCHEMA hooks TO supabase_auth_admin;
      CREATE OR REPLACE FUNCTION hooks.no_claims(event jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT event - 'claims' $$;
      CREATE OR REPLACE FUNCTION hooks.null_answer(event jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT NULL::jsonb $$;
      CREATE OR REPLACE FUNCTION hooks.role_as_number(event jsonb) RETURNS jsonb LANGUAGE sql
        AS $$ SELECT jsonb_set(event, '{claims,role}', '1') $$;
      CREATE OR REPLACE FUNCTION hooks.no_sub(event jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT event #- '{claims,sub}' $$;
      CREATE OR REPLACE FUNCTION hooks.teapot(event jsonb) RETURNS jsonb LANGUAGE sql
        AS $$ SELECT '{"error": {"http_code": 418, "message": "no tea"}}'::jsonb $$;
      CREATE OR REPLACE FUNCTION hooks.sleeps(event jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT pg_sleep(3); SELECT event $$;
      GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA hooks TO supabase_auth_admin;`);
  });

  const cases = [
    ['no_claims', 500, 'output claims field is missing'],
    ['null_answer', 500, 'output claims do not conform to the expected schema'],
    ['role_as_number', 500, 'output claims do not conform to the expected schema'],
    ['no_sub', 500, 'output claims do not conform to the expected schema'],
    ['teapot', 418, 'no tea'],
    ['sleeps', 500, 'Error running hook URI: pg-functions://postgres/hooks/sleeps'],
  ];
  for (const [name, status, message] of cases) {
    test(`a hook answering ${name} gets ${status} "${message}"`, async () => {
      const auth = await startAuth(`pg-functions://postgres/hooks/${name}`);
      assert.deepEqual(await signIn(auth, 'kp_supa1'), { status, body: { code: status, msg: message } });
    });
  }
});
