// Kinde user token generation workflow: one PostgREST RPC call,
//   GET {KINDE_CLAIMS_URL}/rpc/kinde_claims_for?user_id=<the user's id>
// and the claims it returns onto the access token. It runs on every sign-in and on every refresh
// token exchange, so it reads only (GET is PostgREST's READ ONLY path) and never writes.
//
// Environment variables (Kinde dashboard > Settings > Environment variables):
//   KINDE_CLAIMS_URL          PostgREST's base URL, e.g. https://<project>.supabase.co/rest/v1
//   KINDE_CLAIMS_API_KEY      secret: a JWT whose role claim is the reader role (kinde_workflow),
//                             sent as Authorization: Bearer. Never the anon key.
//   KINDE_CLAIMS_GATEWAY_KEY  optional: what the apikey header carries (Supabase's gateway wants the
//                             project's anon/publishable key there); defaults to KINDE_CLAIMS_API_KEY
//   KINDE_CLAIMS_FAIL_CLOSED  "true" to deny sign-in when the claims cannot be read; by default the
//                             token is issued without them
//
// Time limit: Kinde's fetch binding takes no timeout and the runtime has no timers, so the workflow
// cannot bound the call itself. Bound it on the database side instead: the README sets
// `ALTER ROLE kinde_workflow SET statement_timeout = '500ms'`, which PostgREST applies to every
// request with that role, so a slow database answers an error in half a second and the workflow
// fails open (or closed) at once.
import {
  accessTokenCustomClaims,
  denyAccess,
  fetch,
  getEnvironmentVariable,
  onUserTokenGeneratedEvent,
  WorkflowSettings,
  WorkflowTrigger,
} from "@kinde/infrastructure";

// Kinde's runtime is not Node or a browser: console comes from the "console" binding.
declare const console: { log(...args: unknown[]): void; error(...args: unknown[]): void };

export const workflowSettings: WorkflowSettings = {
  id: "kindeClaims",
  name: "Custom claims from kinde_claims",
  trigger: WorkflowTrigger.UserTokenGeneration,
  // Matches the fail-open default: a failure the code cannot catch (the runtime's own time limit)
  // still issues the token. With KINDE_CLAIMS_FAIL_CLOSED, change this to "stop" as well.
  failurePolicy: { action: "continue" },
  bindings: {
    "kinde.accessToken": {},
    "kinde.fetch": {},
    "kinde.env": {},
    "kinde.auth": {},
    console: {},
    url: {},
  },
};

// Kinde's claims a workflow may not set: all tokens, plus the access- and ID-token additions.
// Kept identical to kProhibitedClaims in src/rules/kinde_rules.cpp (a test compares the two).
export const PROHIBITED_CLAIMS: readonly string[] = [
  "act", "aud", "auth_time", "azp", "exp", "iat", "iss",
  "jti", "nbf", "rat", "scp", "sid", "sub", "updated_at",
];

type Claims = { [name: string]: unknown };
type Lookup = { claims: Claims } | { failure: string };

type Settings = {
  url: string;
  apiKey: string;
  gatewayKey: string;
  failClosed: boolean;
};

function envValue(key: string): string {
  const variable = getEnvironmentVariable(key);
  return variable && typeof variable.value === "string" ? variable.value.trim() : "";
}

function readSettings(): Settings {
  const apiKey = envValue("KINDE_CLAIMS_API_KEY");
  return {
    url: envValue("KINDE_CLAIMS_URL").replace(/\/+$/, ""),
    apiKey,
    gatewayKey: envValue("KINDE_CLAIMS_GATEWAY_KEY") || apiKey,
    failClosed: /^(true|1|yes|on)$/i.test(envValue("KINDE_CLAIMS_FAIL_CLOSED")),
  };
}

function isObject(value: unknown): value is Claims {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// fetch resolves to the body only, whatever the status, so an error is recognised by its shape:
// PostgREST's {"code", "details", "hint", "message"}, or anything that is not what
// kinde_claims_for always returns, a JSON object with a boolean lifetime_subscriber.
function claimsFromResponse(data: unknown): Lookup {
  if (isObject(data) && typeof data.code === "string" && typeof data.message === "string" &&
      !("lifetime_subscriber" in data)) {
    return { failure: `PostgREST error ${data.code}: ${data.message}` };
  }
  if (!isObject(data)) {
    const kind = data === null || data === undefined ? "no JSON value" : Array.isArray(data) ? "a JSON array" : `a JSON ${typeof data}`;
    return { failure: `the response is ${kind}, not a claims object` };
  }
  if (typeof data.lifetime_subscriber !== "boolean") {
    const said = typeof data.message === "string" ? ` (it says: ${data.message})` : "";
    return { failure: `the response is not kinde_claims_for's answer${said}` };
  }
  return { claims: data };
}

async function lookUpClaims(settings: Settings, userId: string): Promise<Lookup> {
  if (!settings.url || !settings.apiKey) {
    return { failure: "KINDE_CLAIMS_URL and KINDE_CLAIMS_API_KEY must both be set" };
  }
  if (!userId) return { failure: "the event carries no user id" };
  try {
    const { data } = await fetch(`${settings.url}/rpc/kinde_claims_for?user_id=${encodeURIComponent(userId)}`, {
      method: "GET",
      responseFormat: "json",
      headers: {
        accept: "application/json",
        apikey: settings.gatewayKey,
        authorization: `Bearer ${settings.apiKey}`,
      },
    });
    return claimsFromResponse(data);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { failure: `the request failed: ${message}` };
  }
}

function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join("[redacted]");
  return out;
}

export default async function kindeClaimsWorkflow(event: onUserTokenGeneratedEvent): Promise<void> {
  const settings = readSettings();
  const userId = event?.context?.user?.id ?? "";
  const lookup = await lookUpClaims(settings, userId);

  if ("failure" in lookup) {
    const outcome = settings.failClosed ? "access denied" : "token issued without them";
    console.error(redact(`kinde_claims: no claims for ${userId || "(no user id)"}: ${lookup.failure}; ${outcome}`,
                         [settings.apiKey, settings.gatewayKey]));
    if (settings.failClosed) denyAccess("Your account details could not be loaded. Please try again.");
    return;
  }

  const accessToken = accessTokenCustomClaims<Claims>();
  const skipped: string[] = [];
  for (const name of Object.keys(lookup.claims)) {
    if (PROHIBITED_CLAIMS.indexOf(name) >= 0) {
      skipped.push(name);
      continue;
    }
    accessToken[name] = lookup.claims[name];
  }
  if (skipped.length > 0) {
    console.error(`kinde_claims: ${userId}: skipped claims Kinde reserves: ${skipped.join(", ")}`);
  }
}
