// Kinde's workflow runtime, as far as the token workflow uses it: the `kinde` global with its
// bindings (env, accessToken, auth, fetch) and the console, installed the way @kinde/infrastructure's
// own tests install them (FACTS.md §1), and a user:tokens_generation event. Used by the token-path
// tests (through helpers.mjs) and by scripts/demo; it needs nothing but Node.

// The host side of Kinde's fetch binding, as the workflow runtime provides it: a real HTTP
// request that resolves to the body, as text and parsed (the library picks one by the call's
// responseFormat), whatever the status, and rejects when the connection
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
// token, the denyAccess reasons, the requests it made, what it logged and whether it threw.
// `bindings` replaces bindings by name (a value of undefined removes one; a function is called
// with the result and the default binding and returns the binding), `console: 'missing'` takes
// the console away and `console: 'throwing'` makes its every call throw, `event` replaces the
// token event (undefined included), `orgCode` puts an organization into the default event.
export async function runWorkflow(workflow, options) {
  const { userId, orgCode, env, fetchTimeoutMs = 800, bindings = {}, console: consoleMode = 'capture' } = options;
  const event = 'event' in options ? options.event : tokenEvent(userId, orgCode);
  const result = { claims: {}, denied: [], requests: [], logs: [], elapsedMs: 0, threw: undefined };
  const tokenClaims = {};
  const kinde = {
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
  for (const [name, binding] of Object.entries(bindings)) {
    if (binding === undefined) delete kinde[name];
    else kinde[name] = typeof binding === 'function' ? binding(result, kinde[name]) : binding;
  }
  globalThis.kinde = kinde;
  const consoleDescriptor = Object.getOwnPropertyDescriptor(globalThis, 'console');
  const saved = { log: console.log, error: console.error };
  if (consoleMode === 'missing') {
    delete globalThis.console;
  } else if (consoleMode === 'throwing') {
    console.log = () => { throw new Error('console.log failed'); };
    console.error = () => { throw new Error('console.error failed'); };
  } else {
    console.log = (...args) => { result.logs.push(args.join(' ')); };
    console.error = (...args) => { result.logs.push(args.join(' ')); };
  }
  const started = performance.now();
  try {
    await workflow(event);
  } catch (error) {
    result.threw = error;
  } finally {
    result.elapsedMs = performance.now() - started;
    if (consoleMode === 'missing') {
      Object.defineProperty(globalThis, 'console', consoleDescriptor);
    } else {
      console.log = saved.log;
      console.error = saved.error;
    }
    delete globalThis.kinde;
  }
  return result;
}

// A user:tokens_generation event as Kinde sends it on a refresh-token exchange; with orgCode, for
// that organization, else for none (no organization key, FACTS.md §8).
export function tokenEvent(userId, orgCode) {
  const event = {
    request: { ip: '203.0.113.7', userAgent: 'node-test', auth: { audience: ['https://api.example.com'] } },
    context: {
      domains: { kindeDomain: 'https://example.kinde.com' },
      application: { clientId: 'test-client' },
      auth: { origin: 'refresh_token_request', connectionId: 'conn_test', isExistingSession: true },
      user: { id: userId, identityId: 'identity_test' },
      workflow: { trigger: 'user:tokens_generation' },
    },
  };
  if (orgCode !== undefined) event.context.organization = { code: orgCode };
  return event;
}
