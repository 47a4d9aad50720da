// Test fixture, not product code: a stand-in for PostgREST's RPC endpoint, which these machines
// cannot install. It speaks PostgREST's /rpc protocol over a real Postgres and replays, statement
// for statement, what PostgREST 12 (and optionally 13) sends: the transaction header, the
// set_config preamble (role switch, request.jwt.claims, ...), the call statement and the SQLSTATE
// to HTTP status mapping (FACTS.md §3, from the PostgREST v12.2/v13 sources).
//
// Configuration (environment, named like PostgREST's own):
//   PGRST_DB_URI                libpq URI of the login role it connects as (the "authenticator")
//   PGRST_JWT_SECRET            HS256 secret, at least 32 characters
//   PGRST_DB_ANON_ROLE          role for requests without a JWT (default anon)
//   PGRST_DB_SCHEMAS            exposed schemas, comma-separated (default public)
//   PGRST_DB_EXTRA_SEARCH_PATH  appended to search_path (default public)
//   PGRST_SERVER_HOST           default 127.0.0.1
//   PGRST_SERVER_PORT           default 3000; 0 picks a free port
//   PGRST_STATEMENT_SHAPE       v12 (default) or v13 (v13 passes GET arguments directly)
//   PGRST_DB_POOL               connections in the pool (default 10)
//   PGRST_TRACE_FILE            not PostgREST's: a file this stand-in appends "POST /rpc/NAME BODY"
//                               to for each POST it reads (newlines in BODY as \n), so tests see
//                               exactly what a client sent (the shim's forwarded webhook bodies)
// Prints "listening on <port>" when ready; SIGTERM stops it cleanly.
//
// What it does not do (a 501 or a 404 says so): table/view endpoints, select/order/limit/filters,
// functions with an unnamed parameter or returning a set, request bodies other than JSON and
// forms, Prefer headers, functions' own SET clauses in the preamble. It ignores the `apikey`
// header: on Supabase the API gateway checks it before PostgREST sees the request, so passing
// these tests says nothing about a wrong apikey.
import { appendFileSync } from 'node:fs';
import http from 'node:http';
import process from 'node:process';
import pg from 'pg';
import { jwtVerify, errors as joseErrors } from 'jose';

const config = readConfig(process.env);
const secretKey = new TextEncoder().encode(config.jwtSecret);

const pool = new pg.Pool({
  connectionString: config.dbUri,
  max: config.poolSize,
  connectionTimeoutMillis: 5000,
  idleTimeoutMillis: 30000,
  application_name: 'postgrest-stand-in',
});
// An idle pooled connection that dies (server restart) must not crash the process.
pool.on('error', (err) => log(`idle connection lost: ${err.message}`));
// Nor one that dies while checked out but between two queries (the server shutting down while a
// request rolls back): pg emits 'error' on the client then, and the next query on it fails.
pool.on('connect', (client) => client.on('error', (err) => log(`connection lost: ${err.message}`)));

// PostgREST keeps a schema cache loaded at start and on NOTIFY pgrst; so does the stand-in.
let schemaCache = null;
let listener = null;

function readConfig(env) {
  const dbUri = env.PGRST_DB_URI;
  const jwtSecret = env.PGRST_JWT_SECRET ?? '';
  if (!dbUri) fail('PGRST_DB_URI is required');
  if (jwtSecret.length < 32) fail('PGRST_JWT_SECRET must be at least 32 characters');
  const shape = env.PGRST_STATEMENT_SHAPE ?? 'v12';
  if (shape !== 'v12' && shape !== 'v13') fail('PGRST_STATEMENT_SHAPE must be v12 or v13');
  const list = (value) => value.split(',').map((s) => s.trim()).filter(Boolean);
  return {
    dbUri,
    jwtSecret,
    anonRole: env.PGRST_DB_ANON_ROLE ?? 'anon',
    schemas: list(env.PGRST_DB_SCHEMAS ?? 'public'),
    extraSearchPath: list(env.PGRST_DB_EXTRA_SEARCH_PATH ?? 'public'),
    host: env.PGRST_SERVER_HOST ?? '127.0.0.1',
    port: Number(env.PGRST_SERVER_PORT ?? 3000),
    shape,
    poolSize: Number(env.PGRST_DB_POOL ?? 10),
    traceFile: env.PGRST_TRACE_FILE || null,
  };
}

function fail(message) {
  process.stderr.write(`postgrest stand-in: ${message}\n`);
  process.exit(2);
}

function log(message) {
  process.stderr.write(`postgrest stand-in: ${message}\n`);
}

// An error PostgREST itself answers with (not one raised by Postgres).
class ApiError extends Error {
  constructor(status, code, message, { details = null, hint = null, headers = {} } = {}) {
    super(message);
    this.status = status;
    this.body = { code, details, hint, message };
    this.headers = headers;
  }
}

// pgFmtIdent: double quotes, embedded quotes doubled.
function ident(name) {
  return `"${name.replaceAll('\0', '').replaceAll('"', '""')}"`;
}

// ---- schema cache -------------------------------------------------------------------------------

// Like PostgREST's routine query: functions (not procedures, not triggers) in the exposed
// schemas, with their input parameters in order and whether each one has a default.
const ROUTINES_SQL = `
SELECT n.nspname AS schema, p.proname AS name, p.provolatile AS volatility, p.proretset AS returns_set,
       coalesce((
         SELECT json_agg(json_build_object(
                  'name', coalesce(a.name, ''), 'type', format_type(a.type, NULL),
                  'required', a.pos <= p.pronargs - p.pronargdefaults, 'variadic', a.mode = 'v')
                ORDER BY a.pos)
         FROM (SELECT u.name, u.type, coalesce(u.mode, 'i') AS mode,
                      row_number() OVER (ORDER BY u.idx) AS pos
               FROM unnest(p.proargnames, coalesce(p.proallargtypes, p.proargtypes::oid[]), p.proargmodes)
                    WITH ORDINALITY AS u(name, type, mode, idx)
               WHERE coalesce(u.mode, 'i') IN ('i', 'b', 'v')) a), '[]') AS params
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = ANY($1::text[]) AND p.prokind = 'f' AND p.prorettype <> 'pg_catalog.trigger'::regtype`;

// Like PostgREST's role settings query: ALTER ROLE ... SET values of the roles granted to the
// login role, applied in the preamble because SET ROLE does not apply them.
const ROLE_SETTINGS_SQL = `
SELECT r.rolname, r.rolconfig
FROM pg_catalog.pg_auth_members m
JOIN pg_catalog.pg_roles r ON r.oid = m.roleid
WHERE m.member = current_user::regrole AND r.rolconfig IS NOT NULL`;

async function loadSchemaCache() {
  const client = await pool.connect();
  try {
    const routines = new Map();
    for (const row of (await client.query(ROUTINES_SQL, [config.schemas])).rows) {
      const key = `${row.schema}.${row.name}`;
      if (!routines.has(key)) routines.set(key, []);
      routines.get(key).push({
        schema: row.schema,
        name: row.name,
        volatility: row.volatility,
        returnsSet: row.returns_set,
        params: row.params,
      });
    }
    const roleSettings = new Map();
    for (const row of (await client.query(ROLE_SETTINGS_SQL)).rows) {
      const settings = [];
      let isolation = null;
      for (const entry of row.rolconfig) {
        const eq = entry.indexOf('=');
        const key = entry.slice(0, eq);
        const value = entry.slice(eq + 1);
        if (key === 'default_transaction_isolation') isolation = value;
        else settings.push([key, value]);
      }
      roleSettings.set(row.rolname, { settings, isolation });
    }
    schemaCache = { routines, roleSettings };
  } finally {
    client.release();
  }
}

async function listenForReload() {
  const client = new pg.Client({ connectionString: config.dbUri, application_name: 'postgrest-stand-in listener' });
  const lost = () => {
    listener = null;
    schemaCache = null;
  };
  client.on('error', lost);
  client.on('end', lost);
  client.on('notification', (msg) => {
    // PostgREST reads role settings with its configuration, functions with its schema cache;
    // the stand-in keeps both in one cache and reloads it on either message.
    if (msg.payload === '' || msg.payload === 'reload schema' || msg.payload === 'reload config') {
      loadSchemaCache().catch((err) => {
        schemaCache = null;
        log(`schema cache reload failed: ${err.message}`);
      });
    }
  });
  await client.connect();
  await client.query('LISTEN pgrst');
  listener = client;
}

async function ensureSchemaCache() {
  if (!listener) {
    try {
      await listenForReload();
    } catch {
      listener = null;
    }
  }
  if (!schemaCache) {
    try {
      await loadSchemaCache();
    } catch (err) {
      if (isConnectionError(err)) throw connectionError(err);
      throw new ApiError(503, 'PGRST002', 'Could not query the database for the schema cache. Retrying.');
    }
  }
  return schemaCache;
}

// ---- request parsing ----------------------------------------------------------------------------

async function authenticate(req) {
  const header = req.headers.authorization;
  const bearer = header ? /^bearer(?:\s+(.*))?$/i.exec(header) : null;
  if (!bearer) return { role: config.anonRole, claims: {} };
  const token = (bearer[1] ?? '').trim();
  const invalid = (message) =>
    new ApiError(401, 'PGRST301', message, {
      headers: { 'WWW-Authenticate': `Bearer error="invalid_token", error_description=${JSON.stringify(message)}` },
    });
  if (token === '') throw invalid('Empty JWT is sent in Authorization header');
  let payload;
  try {
    ({ payload } = await jwtVerify(token, secretKey, { algorithms: ['HS256'], clockTolerance: 30 }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw invalid('JWT expired');
    if (err instanceof joseErrors.JWTClaimValidationFailed) throw invalid(`JWT ${err.reason ?? 'claims'} check failed`);
    if (err instanceof joseErrors.JWSSignatureVerificationFailed) throw invalid('JWT cryptographic operation failed');
    if (err instanceof joseErrors.JOSEAlgNotAllowed) throw invalid('Wrong or unsupported encoding algorithm');
    const parts = token.split('.').length;
    if (parts !== 3) throw invalid(`Expected 3 parts in JWT; got ${parts}`);
    throw invalid("JWT couldn't be decoded");
  }
  const role = typeof payload.role === 'string' && payload.role !== '' ? payload.role : config.anonRole;
  return { role, claims: payload };
}

// PostgREST's query string rules: reserved words and filters (key.path=..., op.value, fts(...))
// are not function arguments. The stand-in serves arguments only.
const FILTER_OPERATORS = new Set([
  'eq', 'gte', 'gt', 'lte', 'lt', 'neq', 'like', 'ilike', 'cs', 'cd', 'ov', 'sl', 'sr', 'nxr',
  'nxl', 'adj', 'match', 'imatch', 'isdistinct', 'fts', 'plfts', 'phfts', 'wfts',
]);
const FTS_OPERATORS = new Set(['fts', 'plfts', 'phfts', 'wfts']);

function queryArguments(searchParams) {
  const args = new Map();
  for (const [key, value] of searchParams) {
    const last = key.split('.').at(-1);
    const reserved = ['select', 'columns', 'on_conflict'].includes(key) ||
      ['order', 'limit', 'offset', 'and', 'or'].includes(last);
    const head = value.split('.');
    const paren = value.split('(');
    const hasOperator = (head[0] === 'not' && head.length > 1) || head[0] === 'is' || head[0] === 'in' ||
      FILTER_OPERATORS.has(head[0]);
    const hasFtsOperator = paren.length > 1 && FTS_OPERATORS.has(paren[0]);
    if (reserved || key.includes('.') || hasOperator || hasFtsOperator) {
      throw new ApiError(501, 'STANDIN', `the PostgREST stand-in does not implement the query parameter "${key}"`);
    }
    args.set(key, value);
  }
  return args;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function bodyArguments(text) {
  if (text.trim() === '') return { keys: new Set(), json: '{}' };
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'PGRST102', 'Empty or invalid json');
  }
  if (value === null || typeof value !== 'object') throw new ApiError(400, 'PGRST102', 'Empty or invalid json');
  const first = Array.isArray(value) ? value[0] ?? {} : value;
  return { keys: new Set(Object.keys(first)), json: text };
}

// ---- function resolution (PostgREST's findProc) -------------------------------------------------

function findRoutine(cache, schema, name, keys, isPost) {
  const candidates = (cache.routines.get(`${schema}.${name}`) ?? [])
    .filter((r) => r.params.every((p) => p.name !== ''));
  const matches = candidates.filter((routine) => {
    const required = routine.params.filter((p) => p.required).map((p) => p.name);
    const optional = new Set(routine.params.filter((p) => !p.required).map((p) => p.name));
    if (routine.params.length === 0) return keys.size === 0;
    const withoutOptional = [...keys].filter((k) => !optional.has(k));
    return withoutOptional.length === required.length && required.every((k) => keys.has(k));
  });
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    const list = matches.map((r) => `${r.schema}.${r.name}(${r.params.map((p) => `${p.name} => ${p.type}`).join(', ')})`);
    throw new ApiError(300, 'PGRST203', `Could not choose the best candidate function between: ${list.join(', ')}`, {
      hint: 'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
    });
  }
  const sorted = [...keys].sort();
  const withParams = sorted.length ? `with parameter${sorted.length > 1 ? 's' : ''} ${sorted.join(', ')}` : 'without parameters';
  const orUnnamed = isPost ? ' or with a single unnamed json/jsonb parameter' : '';
  const hint = candidates.length
    ? `Perhaps you meant to call the function ${schema}.${name}(${candidates[0].params.map((p) => p.name).join(', ')})`
    : null;
  throw new ApiError(404, 'PGRST202', `Could not find the function ${schema}.${name}(${sorted.join(', ')}) in the schema cache`, {
    details: `Searched for the function ${schema}.${name} ${withParams}${orUnnamed}, but no matches were found in the schema cache.`,
    hint,
  });
}

// ---- statements ---------------------------------------------------------------------------------

const RESULT_SELECT = (alias) =>
  `SELECT null::bigint AS total_result_set, 1 AS page_total, ` +
  `coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body, ` +
  `nullif(current_setting('response.headers', true), '') AS response_headers, ` +
  `nullif(current_setting('response.status', true), '') AS response_status, ` +
  `'' AS response_inserted ` +
  `FROM (SELECT ${ident(alias)}.* FROM "pgrst_source" AS ${ident(alias)}) _postgrest_t`;

// The v12 shape (v13 for POST): the arguments travel as one json parameter, $1.
function jsonCallStatement(routine, keys, json) {
  const fn = `${ident(routine.schema)}.${ident(routine.name)}`;
  const params = routine.params.filter((p) => keys.has(p.name));
  let from;
  if (params.length === 0) {
    from = `FROM (SELECT ${fn}() pgrst_scalar) pgrst_call`;
  } else {
    const cols = params.map((p) => ident(p.name)).join(', ');
    const types = params.map((p) => `${ident(p.name)} ${p.type}`).join(', ');
    const args = params
      .map((p) => `${p.variadic ? 'VARIADIC ' : ''}${ident(p.name)} := pgrst_body.${ident(p.name)}`)
      .join(', ');
    from = `FROM (SELECT $1 AS json_data) pgrst_payload, ` +
      `LATERAL (SELECT ${cols} FROM json_to_record(pgrst_payload.json_data) AS _(${types}) LIMIT 1) pgrst_body, ` +
      `LATERAL (SELECT ${fn}(${args}) pgrst_scalar) pgrst_call`;
  }
  return {
    text: `WITH pgrst_source AS (SELECT pgrst_call.pgrst_scalar ${from}) ${RESULT_SELECT(routine.name)}`,
    values: params.length ? [json] : [],
    paramTypes: params.length ? [PG_JSON_OID] : [],
  };
}

// The v13 GET shape: each argument is its own text parameter, cast to the parameter's type.
function directCallStatement(routine, args) {
  const fn = `${ident(routine.schema)}.${ident(routine.name)}`;
  const params = routine.params.filter((p) => args.has(p.name));
  const list = params
    .map((p, i) => `${p.variadic ? 'VARIADIC ' : ''}${ident(p.name)} := $${i + 1}::${p.type}`)
    .join(', ');
  return {
    text: `WITH pgrst_source AS (SELECT pgrst_call.pgrst_scalar FROM (SELECT ${fn}(${list}) pgrst_scalar) pgrst_call) ` +
      RESULT_SELECT(routine.name),
    values: params.map((p) => args.get(p.name)),
    paramTypes: [],
  };
}

const PG_JSON_OID = 114;

// node-postgres sends a query's `types` array as the Parse message's parameter types (that is how
// $1 becomes a json parameter, as in PostgREST) and also asks it for result parsers: keep every
// result column as the server's text, so the body is exactly Postgres's JSON output.
function queryTypes(paramTypes) {
  const types = [...paramTypes];
  types.getTypeParser = () => (value) => value;
  return types;
}

function sortedJson(object) {
  return JSON.stringify(Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

function preamble(req, url, schema, auth, roleSettings) {
  const calls = [];
  const values = [];
  const param = (value) => {
    values.push(value);
    return `$${values.length}`;
  };
  const searchPath = [schema, ...config.extraSearchPath].map(ident).join(', ');
  calls.push(`set_config('search_path', ${param(searchPath)}, true)`);
  for (const [key, value] of roleSettings?.settings ?? []) {
    calls.push(`set_config(${param(key)}, ${param(value)}, true)`);
  }
  calls.push(`set_config('role', ${param(auth.role)}, true)`);
  calls.push(`set_config('request.jwt.claims', ${param(sortedJson({ ...auth.claims, role: auth.role }))}, true)`);
  calls.push(`set_config('request.method', ${param(req.method)}, true)`);
  calls.push(`set_config('request.path', ${param(url.pathname)}, true)`);
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name !== 'cookie'));
  calls.push(`set_config('request.headers', ${param(JSON.stringify(headers))}, true)`);
  const cookies = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  calls.push(`set_config('request.cookies', ${param(JSON.stringify(cookies))}, true)`);
  return { text: `select ${calls.join(', ')}`, values };
}

// ---- errors -------------------------------------------------------------------------------------

// PostgREST's pgErrorStatus (v12.2): FACTS.md §3 plus the classes it lists besides.
function statusForSqlstate(code, message, isAnon) {
  const exact = {
    '23503': 409, '23505': 409, '25006': 405, '53400': 500, '57P01': 503, 'P0001': 400,
    '42883': 404, '42P01': 404, '42P17': 500,
  };
  if (code === '42501') return isAnon ? 401 : 403;
  if (code === '21000') return message.endsWith('requires a WHERE clause') ? 400 : 500;
  if (code === '22023') return /^role .* does not exist$/.test(message) ? 401 : 400;
  if (code in exact) return exact[code];
  if (code.startsWith('PT')) {
    const status = Number(code.slice(2));
    return Number.isInteger(status) && status >= 100 && status <= 599 ? status : 500;
  }
  const byClass = {
    '08': 503, '09': 500, '0L': 403, '0P': 403, '25': 500, '28': 403, '2D': 500, '38': 500,
    '39': 500, '3B': 500, '40': 500, '53': 503, '54': 500, '55': 500, '57': 500, '58': 500,
    'F0': 500, 'HV': 500, 'P0': 500, 'XX': 500,
  };
  return byClass[code.slice(0, 2)] ?? 400;
}

function isConnectionError(err) {
  return !(err instanceof pg.DatabaseError) && !(err instanceof ApiError);
}

function connectionError(err) {
  return new ApiError(503, 'PGRST000', 'Database connection error. Retrying the connection.', { details: err.message });
}

function send(res, status, body, headers = {}, withBody = true) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(withBody ? body : undefined);
}

function sendError(res, err, isAnon, withBody) {
  if (err instanceof ApiError) {
    send(res, err.status, JSON.stringify(err.body), err.headers, withBody);
  } else if (err instanceof pg.DatabaseError) {
    const status = statusForSqlstate(err.code, err.message, isAnon);
    const body = { code: err.code, details: err.detail ?? null, hint: err.hint ?? null, message: err.message };
    send(res, status, JSON.stringify(body), status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {}, withBody);
  } else {
    send(res, 503, JSON.stringify(connectionError(err).body), {}, withBody);
  }
}

// ---- the call -----------------------------------------------------------------------------------

const ISOLATION_LEVELS = {
  'read committed': 'READ COMMITTED',
  'repeatable read': 'REPEATABLE READ',
  serializable: 'SERIALIZABLE',
};

async function callRoutine(req, url, schema, auth, routine, statement, readOnly, roleSettings) {
  let client;
  try {
    client = await pool.connect();
  } catch (err) {
    throw connectionError(err);
  }
  let broken = null;
  try {
    const isolation = ISOLATION_LEVELS[roleSettings?.isolation ?? 'read committed'] ?? 'READ COMMITTED';
    await client.query(`BEGIN ISOLATION LEVEL ${isolation} ${readOnly ? 'READ ONLY' : 'READ WRITE'}`);
    try {
      const pre = preamble(req, url, schema, auth, roleSettings);
      await client.query(pre);
      const result = await client.query({
        text: statement.text,
        values: statement.values,
        types: queryTypes(statement.paramTypes),
      });
      await client.query('COMMIT');
      return result.rows[0];
    } catch (err) {
      if (err instanceof pg.DatabaseError) await client.query('ROLLBACK');
      throw err;
    }
  } catch (err) {
    // 57P01..57P03: the server is shutting down or restarting: this connection is done for.
    if (isConnectionError(err) || /^57P0[123]$/.test(err.code ?? '')) broken = err;
    throw err;
  } finally {
    client.release(broken ?? undefined);
  }
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://stand-in');
  const withBody = req.method !== 'HEAD';
  let isAnon = true;
  try {
    if (url.pathname === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
      send(res, 200, JSON.stringify({ standIn: 'PostgREST', shape: config.shape, schemas: config.schemas }), {}, withBody);
      return;
    }
    const rpc = /^\/rpc\/([^/]+)$/.exec(url.pathname);
    if (!rpc) throw new ApiError(404, 'PGRST125', 'Invalid path specified in request URL');
    if (!['GET', 'HEAD', 'POST'].includes(req.method)) {
      throw new ApiError(405, 'PGRST117', `Unsupported HTTP method: ${req.method}`);
    }
    const name = decodeURIComponent(rpc[1]);
    const isPost = req.method === 'POST';

    const auth = await authenticate(req);
    isAnon = auth.role === config.anonRole;

    const profile = req.headers[isPost ? 'content-profile' : 'accept-profile'];
    const schema = profile ?? config.schemas[0];
    if (!config.schemas.includes(schema)) {
      throw new ApiError(406, 'PGRST106', `The schema must be one of the following: ${config.schemas.join(', ')}`);
    }

    let keys;
    let json;
    let args;
    if (isPost) {
      const type = (req.headers['content-type'] ?? 'application/json').split(';')[0].trim().toLowerCase();
      const text = await readBody(req);
      if (config.traceFile) appendFileSync(config.traceFile, `POST ${url.pathname} ${text.replace(/\n/g, '\\n')}\n`);
      if (type === 'application/json') {
        ({ keys, json } = bodyArguments(text));
      } else if (type === 'application/x-www-form-urlencoded') {
        // PostgREST turns a form into a JSON object of strings.
        const form = Object.fromEntries(new URLSearchParams(text));
        keys = new Set(Object.keys(form));
        json = JSON.stringify(form);
      } else {
        throw new ApiError(415, 'PGRST107', `The request's Content-Type is not acceptable: ${type}`);
      }
    } else {
      args = queryArguments(url.searchParams);
      keys = new Set(args.keys());
      json = sortedJson(Object.fromEntries(args));
    }

    const cache = await ensureSchemaCache();
    const routine = findRoutine(cache, schema, name, keys, isPost);
    if (routine.returnsSet) {
      throw new ApiError(501, 'STANDIN', 'the PostgREST stand-in serves only functions that return one value');
    }
    // GET always reads; POST reads only for STABLE and IMMUTABLE functions.
    const readOnly = !isPost || routine.volatility !== 'v';
    const statement = !isPost && config.shape === 'v13'
      ? directCallStatement(routine, args)
      : jsonCallStatement(routine, keys, json);
    const row = await callRoutine(req, url, schema, auth, routine, statement, readOnly,
      cache.roleSettings.get(auth.role));

    const headers = {};
    if (row.response_headers) {
      for (const entry of JSON.parse(row.response_headers)) Object.assign(headers, entry);
    }
    send(res, row.response_status ? Number(row.response_status) : 200, row.body, headers, withBody);
  } catch (err) {
    if (!(err instanceof ApiError) && !(err instanceof pg.DatabaseError)) log(`request failed: ${err.message}`);
    sendError(res, err, isAnon, withBody);
  }
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    log(`unexpected: ${err.stack}`);
    if (!res.headersSent) send(res, 500, JSON.stringify({ code: 'STANDIN', details: null, hint: null, message: err.message }));
  });
});

function shutdown() {
  server.close();
  server.closeAllConnections();
  Promise.allSettled([pool.end(), listener?.end()]).then(() => process.exit(0));
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

ensureSchemaCache().catch((err) => log(`schema cache not loaded yet: ${err.message}`));
server.listen(config.port, config.host, () => {
  process.stdout.write(`listening on ${server.address().port}\n`);
});
