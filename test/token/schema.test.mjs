// Issue 19 §6: the extension in schema `api`, PostgREST exposing `public` first (Supabase's
// db-schemas order, PGRST_DB_SCHEMAS=public,api). PostgREST looks a call up in the schema the
// profile header names, else the first exposed one (FACTS.md §3), so every client must send the
// header: the workflow with KINDE_CLAIMS_SCHEMA, the shim's claims, upsert, serve and sync with
// --schema or KINDE_CLAIMS_SCHEMA. Without it each gets 404 PGRST202; and no function named
// like an API function can be made in public to answer in the extension's place.
// Real processes on the loopback interface: a database of its own in the suite's cluster, a
// PostgREST stand-in over it, the shim binary, the Kinde stand-in for sync.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { admin, mintJwt, root, runWorkflow, scratchDatabase, startStandIn } from './helpers.mjs';

const run = promisify(execFile);
const shim = `${process.env.KC_BUILD ?? `${root}/build`}/src/shim/kinde-claims-shim`;
const signer = `${root}/test/shim/webhook-signer.mjs`;
const { default: workflow } = await import(`${root}/build/kindeSrc/environment/workflows/kindeClaimsWorkflow.js`);

const readerKey = await mintJwt({ role: 'kinde_workflow' });
const writerKey = await mintJwt({ role: 'kinde_writer' });
const syncKey = await mintJwt({ role: 'kinde_schema_sync' });
const m2m = { id: 'schema-client', secret: `schema-secret-${process.pid}` };

let database;
let standIn;
let work;
let kinde;
let serve;

// Starts a process that prints "listening on [HOST:]PORT"; resolves { child, port, output() }.
function startListening(command, args, env) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start: ${stderr}`)), 30000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /^listening on (?:.*:)?(\d+)$/m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]), output: () => stderr });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code}: ${stderr}`));
    });
  });
}

function stop(process_) {
  if (!process_ || process_.child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    process_.child.on('exit', resolve);
    process_.child.kill('SIGTERM');
  });
}

// Runs the shim; resolves { code, stdout, stderr } whatever its exit status.
async function shimRun(args, env) {
  try {
    const { stdout, stderr } = await run(shim, args, {
      env: { PATH: process.env.PATH, KINDE_CLAIMS_URL: standIn.url, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    if (typeof error.code !== 'number') throw error;
    return { code: error.code, stdout: error.stdout, stderr: error.stderr };
  }
}

const inDb = (sql, params = []) => database.query(sql, params);

async function sign(type, eventId, kindeId, timestamp) {
  const { stdout } = await run(process.execPath, [signer, 'sign', work, type, eventId, kindeId, timestamp]);
  return stdout.trim();
}

async function deliver(port, token) {
  const response = await fetch(`http://127.0.0.1:${port}/kinde/webhook`, {
    method: 'POST', headers: { 'content-type': 'application/jwt' }, body: token,
  });
  return { status: response.status, body: await response.text() };
}

before(async () => {
  database = await scratchDatabase('kc_token_schema');
  await admin('DROP ROLE IF EXISTS kinde_schema_sync');
  await admin('CREATE ROLE kinde_schema_sync NOLOGIN NOINHERIT');
  await admin('GRANT kinde_schema_sync TO authenticator');
  await inDb(`
    CREATE SCHEMA api;
    CREATE EXTENSION kinde_claims WITH SCHEMA api;
    GRANT USAGE ON SCHEMA api TO anon, authenticated, kinde_workflow, kinde_writer, kinde_schema_sync;
    GRANT EXECUTE ON FUNCTION api.kinde_claims_for(text, text) TO kinde_workflow;
    GRANT EXECUTE ON FUNCTION api.kinde_profile_upsert(text, boolean, jsonb), api.kinde_profile_delete(text),
                              api.kinde_webhook_apply(jsonb) TO kinde_writer;
    GRANT EXECUTE ON FUNCTION api.kinde_claims_changes_lease(text, integer, integer),
                              api.kinde_claims_changes_done(bigint, text, text, integer),
                              api.kinde_claims_changes_lag() TO kinde_schema_sync;`);
  standIn = await startStandIn({ PGRST_DB_URI: database.uri, PGRST_DB_SCHEMAS: 'public,api' });
  work = await mkdtemp(path.join(tmpdir(), 'kc-schema-'));
  await run(process.execPath, [signer, 'keys', work]);
});

after(async () => {
  await stop(serve);
  await stop(kinde);
  await standIn?.stop();
  if (work) await rm(work, { recursive: true, force: true });
  await database?.drop();
  await admin('DROP ROLE IF EXISTS kinde_schema_sync');
});

describe('the extension in api, PostgREST exposing public first', () => {
  it('the stand-in answers 404 PGRST202 without Accept-Profile and the claims with it', async () => {
    const url = `${standIn.url}/rpc/kinde_claims_for?user_id=kp_schema0001`;
    const headers = { authorization: `Bearer ${readerKey}` };
    const without = await fetch(url, { headers });
    assert.equal(without.status, 404);
    assert.equal((await without.json()).code, 'PGRST202');
    const wrong = await fetch(url, { headers: { ...headers, 'accept-profile': 'nowhere' } });
    assert.equal(wrong.status, 406);
    assert.equal((await wrong.json()).code, 'PGRST106');
    const withProfile = await fetch(url, { headers: { ...headers, 'accept-profile': 'api' } });
    assert.equal(withProfile.status, 200);
    assert.deepEqual(await withProfile.json(), { lifetime_subscriber: false });
  });

  it('the workflow: KINDE_CLAIMS_SCHEMA=api reads the claims; without it, PGRST202 and no claims', async () => {
    await inDb("SELECT api.kinde_profile_upsert('kp_schema0wf', true, '{\"plan\": \"pro\"}')");
    const env = { KINDE_CLAIMS_URL: standIn.url, KINDE_CLAIMS_API_KEY: readerKey };
    const withSchema = await runWorkflow(workflow, {
      userId: 'kp_schema0wf', env: { ...env, KINDE_CLAIMS_SCHEMA: 'api' },
    });
    assert.equal(withSchema.threw, undefined);
    assert.deepEqual(withSchema.claims, { lifetime_subscriber: true, plan: 'pro' });
    const without = await runWorkflow(workflow, { userId: 'kp_schema0wf', env });
    assert.deepEqual(without.claims, {});
    assert.match(without.logs.join('\n'), /PGRST202/);
    const bad = await runWorkflow(workflow, {
      userId: 'kp_schema0wf', env: { ...env, KINDE_CLAIMS_SCHEMA: 'public,api' },
    });
    assert.deepEqual(bad.claims, {});
    assert.match(bad.logs.join('\n'), /KINDE_CLAIMS_SCHEMA="public,api" is not a schema name/);
  });

  it('claims and upsert: --schema or KINDE_CLAIMS_SCHEMA reach api; without either, 404 PGRST202 (exit 65)', async () => {
    const reader = { KINDE_CLAIMS_API_KEY: readerKey };
    const writer = { KINDE_CLAIMS_API_KEY: writerKey };
    const upsertWithout = await shimRun(['upsert', 'kp_schema0cli', '--lifetime-subscriber', 'true'], writer);
    assert.equal(upsertWithout.code, 65);
    assert.match(upsertWithout.stderr, /404 \(PGRST202\)/);
    const upsert = await shimRun(['upsert', 'kp_schema0cli', '--lifetime-subscriber', 'true', '--schema', 'api'], writer);
    assert.equal(upsert.code, 0, upsert.stderr);
    assert.deepEqual(JSON.parse(upsert.stdout), { lifetime_subscriber: true });
    const upsertEnv = await shimRun(['upsert', 'kp_schema0cli', '--claims', '{"plan": "gold"}'],
      { ...writer, KINDE_CLAIMS_SCHEMA: 'api' });
    assert.equal(upsertEnv.code, 0, upsertEnv.stderr);
    assert.deepEqual(JSON.parse(upsertEnv.stdout), { plan: 'gold', lifetime_subscriber: true });

    const claimsWithout = await shimRun(['claims', 'kp_schema0cli'], reader);
    assert.equal(claimsWithout.code, 65);
    assert.match(claimsWithout.stderr, /404 \(PGRST202\)/);
    const claimsFlag = await shimRun(['claims', 'kp_schema0cli', '--schema', 'api'], reader);
    assert.equal(claimsFlag.code, 0, claimsFlag.stderr);
    assert.deepEqual(JSON.parse(claimsFlag.stdout), { plan: 'gold', lifetime_subscriber: true });
    const claimsEnv = await shimRun(['claims', 'kp_schema0cli'], { ...reader, KINDE_CLAIMS_SCHEMA: 'api' });
    assert.equal(claimsEnv.stdout, claimsFlag.stdout);
    // The schema named is the one asked: public has no such function, and one not exposed is 406.
    const inPublic = await shimRun(['claims', 'kp_schema0cli', '--schema', 'public'], reader);
    assert.match(inPublic.stderr, /404 \(PGRST202\)/);
    const notExposed = await shimRun(['claims', 'kp_schema0cli', '--schema', 'kinde_claims'], reader);
    assert.match(notExposed.stderr, /406 \(PGRST106\)/);
    const invalid = await shimRun(['claims', 'kp_schema0cli', '--schema', 'public,api'], reader);
    assert.equal(invalid.code, 64);
    assert.match(invalid.stderr, /a schema name is 1 to 63 bytes/);
  });

  it('serve: a webhook is applied with KINDE_CLAIMS_SCHEMA=api; without it, 503 and PGRST202 in the log', async () => {
    const serveWith = (schemaEnv) => startListening(shim,
      ['serve', '--listen', '127.0.0.1:0', '--jwks-file', `${work}/jwks.json`, '--threads', '1'],
      { KINDE_CLAIMS_URL: standIn.url, KINDE_CLAIMS_API_KEY: writerKey, ...schemaEnv });
    serve = await serveWith({});
    const refused = await deliver(serve.port, await sign('user.created', 'event_schema_1', 'kp_schema0hook', '2024-06-01T10:00:00Z'));
    assert.equal(refused.status, 503);
    await stop(serve);
    assert.match(serve.output(), /cause=configuration .*rpc_status=404 .*PGRST202/);
    serve = await serveWith({ KINDE_CLAIMS_SCHEMA: 'api' });
    const applied = await deliver(serve.port, await sign('user.created', 'event_schema_2', 'kp_schema0hook', '2024-06-01T10:00:01Z'));
    assert.equal(applied.status, 200, applied.body);
    assert.match(applied.body, /"result": "applied", "profile": "created"/);
    await stop(serve);
    const { rows } = await inDb("SELECT count(*)::int AS n FROM kinde_claims.profiles WHERE kinde_id = 'kp_schema0hook'");
    assert.equal(rows[0].n, 1);
  });

  it('sync --once: pushes the changes with --schema api; without it, PGRST202 and nothing pushed', async () => {
    kinde = await startListening(process.execPath, [`${root}/test/kinde/server.mjs`], {
      KINDE_STANDIN_CLIENT_ID: m2m.id, KINDE_STANDIN_CLIENT_SECRET: m2m.secret, KINDE_STANDIN_PORT: '0',
    });
    const kindeUrl = `http://127.0.0.1:${kinde.port}`;
    const env = {
      KINDE_CLAIMS_API_KEY: syncKey, KINDE_URL: kindeUrl,
      KINDE_M2M_CLIENT_ID: m2m.id, KINDE_M2M_CLIENT_SECRET: m2m.secret,
    };
    const unpushed = async () =>
      (await inDb('SELECT count(*)::int AS n FROM kinde_claims.claims_history WHERE pushed_at IS NULL')).rows[0].n;
    assert.ok(await unpushed() > 0, 'the earlier tests left changes to push');
    const without = await shimRun(['sync', '--once', '--timeout', '2000'], env);
    assert.equal(without.code, 78, without.stderr);
    assert.match(without.stderr, /PGRST202/);
    assert.ok(await unpushed() > 0);
    const withSchema = await shimRun(['sync', '--once', '--timeout', '2000', '--schema', 'api'], env);
    assert.equal(withSchema.code, 0, withSchema.stderr);
    assert.equal(await unpushed(), 0);
    const calls = await (await fetch(`${kindeUrl}/_standin/calls`)).json();
    const refreshed = new Set(calls.filter((c) => c.kind === 'refresh').map((c) => c.user_id));
    for (const user of ['kp_schema0wf', 'kp_schema0cli']) assert.ok(refreshed.has(user), user);
  });

  it('a decoy public.kinde_claims_for is refused (42723), so nothing in public answers a token call', async () => {
    await assert.rejects(
      inDb(`CREATE FUNCTION public.kinde_claims_for(user_id text) RETURNS jsonb LANGUAGE sql
            AS $$ SELECT '{"lifetime_subscriber": true}'::jsonb $$`),
      (error) => error.code === '42723' && /named like kinde_claims's API function/.test(error.message));
    await assert.rejects(
      inDb(`CREATE FUNCTION public.decoy(user_id text) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;
            ALTER FUNCTION public.decoy(text) RENAME TO kinde_claims_for`),
      (error) => error.code === '42723');
    await inDb("NOTIFY pgrst, 'reload schema'");
    const without = await runWorkflow(workflow, {
      userId: 'kp_schema0none', env: { KINDE_CLAIMS_URL: standIn.url, KINDE_CLAIMS_API_KEY: readerKey },
    });
    assert.deepEqual(without.claims, {});
    assert.match(without.logs.join('\n'), /PGRST202/);
  });
});
