// Kinde user token generation workflow: one PostgREST RPC call,
//   GET {KINDE_CLAIMS_URL}/rpc/kinde_claims_for?user_id=<the user's id>[&org_code=<the org's code>]
// and the claims it returns onto the access token. org_code is sent only when the event names the
// organization the token is for (event.context.organization.code, docs/FACTS.md §8); it needs
// kinde_claims 0.6.0's kinde_claims_for(user_id, org_code). Both values are URL-encoded. It runs on
// every sign-in and on every refresh token exchange, so it reads only (GET is PostgREST's READ
// ONLY path) and never writes.
//
// Environment variables (Kinde dashboard > Settings > Environment variables):
//   KINDE_CLAIMS_URL          PostgREST's base URL, e.g. https://<project>.supabase.co/rest/v1
//   KINDE_CLAIMS_API_KEY      secret: a JWT whose role claim is the reader role (kinde_workflow),
//                             sent as Authorization: Bearer. Never the anon key.
//   KINDE_CLAIMS_GATEWAY_KEY  optional: what the apikey header carries (Supabase's gateway wants the
//                             project's anon/publishable key there); defaults to KINDE_CLAIMS_API_KEY
//   KINDE_CLAIMS_SCHEMA       optional: the schema PostgREST exposes the extension in, sent as
//                             Accept-Profile; needed when it is not the first of PostgREST's
//                             db-schemas (the extension in "api", db-schemas "public,api")
//   KINDE_CLAIMS_FAIL_CLOSED  "true" (or 1/yes/on) to deny sign-in when the claims cannot be read;
//                             unset, "false" (or 0/no/off): the token is issued without them. Any
//                             other value is logged on every run and read as "true".
//   KINDE_CLAIMS_ALLOWED_KINDE_CLAIMS  optional, comma-separated: names Kinde issues itself
//                             (KINDE_ISSUED_CLAIMS) that the database may set anyway; give the same
//                             list as the extension's kinde_claims.allowed_kinde_claims
//   KINDE_CLAIMS_FAILOPEN_URL     optional: kinde-claims-shim serve's base URL; with the secret below,
//   KINDE_CLAIMS_FAILOPEN_SECRET  a token issued without claims (failing open) is reported there, so
//                             that once the database answers sync has Kinde rebuild the user's token.
//                             Read only when a lookup failed: a run that reads its claims pays nothing.
//
// It never throws: whatever a binding does (an env read that throws, no console, a claim Kinde
// refuses, a fetch that rejects or resolves to junk) ends in the fail-open/closed path below,
// with one log line saying why.
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
import { clip, describe, listNames, log, setSecrets } from "./kindeClaimsLog.js";
import { Answer, Claims, isKindeIssued, parseAnswer, PROHIBITED_CLAIMS } from "./kindeClaimsRules.js";

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

// code: the SQLSTATE of a PostgREST error body, when the failure is one.
type Lookup = { claims: Claims; inexact: Map<string, string> } | { failure: string; code?: string };

type Settings = {
  url: string;
  apiKey: string;
  gatewayKey: string;
  schema: string;
  failClosed: boolean;
  allowedKindeClaims: string[];
  warnings: string[];
  // Why a required variable could not be read, when its env.get threw.
  envFailures: string[];
};

// Whether Kinde's env.get returns nothing or throws for an unset variable is not documented
// (docs/FACTS.md §9): both read as unset, and a throw is remembered for the failure message.
function envValue(key: string, envFailures?: string[]): string {
  try {
    const variable = getEnvironmentVariable(key);
    return variable && typeof variable.value === "string" ? variable.value.trim() : "";
  } catch (error) {
    envFailures?.push(`${key} could not be read (${clip(describe(error))})`);
    return "";
  }
}

function readSettings(): Settings {
  const envFailures: string[] = [];
  const warnings: string[] = [];
  const apiKey = envValue("KINDE_CLAIMS_API_KEY", envFailures);
  const failClosedText = envValue("KINDE_CLAIMS_FAIL_CLOSED");
  let failClosed = /^(true|1|yes|on)$/i.test(failClosedText);
  if (!failClosed && !/^(|false|0|no|off)$/i.test(failClosedText)) {
    // A typo must not silently turn a refusal policy into an open one.
    failClosed = true;
    warnings.push(`KINDE_CLAIMS_FAIL_CLOSED="${clip(failClosedText, 40)}" is not true or false; read as true (fail closed)`);
  }
  return {
    url: envValue("KINDE_CLAIMS_URL", envFailures).replace(/\/+$/, ""),
    apiKey,
    gatewayKey: envValue("KINDE_CLAIMS_GATEWAY_KEY") || apiKey,
    schema: envValue("KINDE_CLAIMS_SCHEMA"),
    failClosed,
    allowedKindeClaims: envValue("KINDE_CLAIMS_ALLOWED_KINDE_CLAIMS")
      .split(",").map((name) => name.trim()).filter((name) => name !== ""),
    warnings,
    envFailures,
  };
}

function isObject(value: unknown): value is Claims {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// fetch resolves to the body only, whatever the status, so an error is recognised by its shape:
// PostgREST's {"code", "details", "hint", "message"}, or anything that is not what
// kinde_claims_for always returns, a JSON object with a boolean lifetime_subscriber.
// The body is read as text and parsed here (parseAnswer), because the host's JSON parser would
// round a number a double cannot hold before anything could notice (docs/FACTS.md §7).
function claimsFromResponse(text: unknown): Lookup {
  if (typeof text !== "string") {
    return { failure: `the response has no body (fetch gave ${text === null ? "null" : typeof text})` };
  }
  let answer: Answer;
  try {
    answer = parseAnswer(text);
  } catch (error) {
    return { failure: `the response is not JSON (${clip(describe(error))}): ${clip(text)}` };
  }
  const data = answer.value;
  if (isObject(data) && typeof data.code === "string" && typeof data.message === "string" &&
      !("lifetime_subscriber" in data)) {
    return { failure: `PostgREST error ${clip(data.code, 40)}: ${clip(data.message)}`, code: data.code };
  }
  if (!isObject(data)) {
    const kind = data === null ? "no JSON value" : Array.isArray(data) ? "a JSON array" : `a JSON ${typeof data}`;
    return { failure: `the response is ${kind}, not a claims object` };
  }
  if (typeof data.lifetime_subscriber !== "boolean") {
    const said = typeof data.message === "string" ? ` (it says: ${clip(data.message)})` : "";
    return { failure: `the response is not kinde_claims_for's answer${said}` };
  }
  return { claims: data, inexact: answer.inexact };
}

async function lookUpClaims(settings: Settings, userId: string, orgCode: string): Promise<Lookup> {
  if (!settings.url || !settings.apiKey) {
    const why = settings.envFailures.length > 0 ? `: ${settings.envFailures.join("; ")}` : "";
    return { failure: `KINDE_CLAIMS_URL and KINDE_CLAIMS_API_KEY must both be set${why}` };
  }
  if (!userId) return { failure: "the event carries no user id" };
  // A name PostgREST can expose (its db-schemas is split on commas) that is also a header value.
  if (settings.schema && !/^[^\u0000-\u001f\u007f,]{1,63}$/.test(settings.schema)) {
    return { failure: `KINDE_CLAIMS_SCHEMA="${clip(settings.schema, 80)}" is not a schema name PostgREST can expose` };
  }
  // PostgREST looks the function up in the Accept-Profile schema, else the first of its db-schemas.
  const headers: Record<string, string> = {
    accept: "application/json",
    apikey: settings.gatewayKey,
    authorization: `Bearer ${settings.apiKey}`,
  };
  if (settings.schema) headers["accept-profile"] = settings.schema;
  // Without an organization the URL stays exactly the one-argument call, which every version answers.
  const org = orgCode ? `&org_code=${encodeURIComponent(orgCode)}` : "";
  try {
    const response = await fetch(`${settings.url}/rpc/kinde_claims_for?user_id=${encodeURIComponent(userId)}${org}`, {
      method: "GET",
      responseFormat: "text",
      headers,
    });
    const lookup = claimsFromResponse(response?.data);
    // 22023 is the database refusing an argument (docs/FACTS.md §3); with an org code sent, that is
    // most likely the code, though the user id is refused with the same SQLSTATE.
    if (orgCode && "failure" in lookup && lookup.code === "22023") {
      return { failure: `the organization code ${clip(orgCode, 80)} (or the user id) was refused: ${lookup.failure}`, code: lookup.code };
    }
    return lookup;
  } catch (error) {
    return { failure: `the request failed: ${clip(describe(error))}` };
  }
}

// Sets each claim on its own, so that a claim Kinde refuses does not stop the rest; returns the
// names refused and the first reason.
function setClaims(claims: Claims, names: string[]): { refused: string[]; reason: string } {
  let accessToken: Claims;
  try {
    accessToken = accessTokenCustomClaims<Claims>();
  } catch (error) {
    return { refused: names, reason: describe(error) };
  }
  const refused: string[] = [];
  let reason = "";
  for (const name of names) {
    try {
      accessToken[name] = claims[name];
    } catch (error) {
      refused.push(name);
      if (!reason) reason = describe(error);
    }
  }
  return { refused, reason };
}

// Failing open, Kinde caches the token without the claims and nothing in Kinde changes to rebuild
// it (docs/FACTS.md §5). The database cannot be told (it is what failed), so kinde-claims-shim
// serve is: it keeps the user until the database answers and records a history entry there, and
// sync then calls refresh_claims for the user (docs/workflow.md). The values travel in the query:
// Kinde's fetch binding takes no JSON body. Best effort: its outcome is added to the run's one line.
async function reportFailOpen(settings: Settings, userId: string, orgCode: string): Promise<string> {
  const url = envValue("KINDE_CLAIMS_FAILOPEN_URL").replace(/\/+$/, "");
  const secret = envValue("KINDE_CLAIMS_FAILOPEN_SECRET");
  if (!url || !secret) return "";
  setSecrets([settings.apiKey, settings.gatewayKey, secret]);
  const org = orgCode ? `&org_code=${encodeURIComponent(orgCode)}` : "";
  try {
    const response = await fetch(`${url}/kinde/failopen?user_id=${encodeURIComponent(userId)}${org}`, {
      method: "POST",
      responseFormat: "text",
      headers: { accept: "application/json", authorization: `Bearer ${secret}` },
    });
    const text: unknown = response?.data;
    let result: unknown;
    try {
      result = typeof text === "string" ? JSON.parse(text)?.result : undefined;
    } catch {
      result = undefined;
    }
    if (result === "queued" || result === "already_queued") return "; reported for a rebuilt token";
    return `; not reported for a rebuild: ${typeof text === "string" ? clip(text) : `fetch gave ${typeof text}`}`;
  } catch (error) {
    return `; not reported for a rebuild: ${clip(describe(error))}`;
  }
}

async function run(event: onUserTokenGeneratedEvent, settings: Settings): Promise<void> {
  const rawId: unknown = event?.context?.user?.id;
  const userId = typeof rawId === "string" ? rawId : "";
  // Absent (no organization key, null, "") means a token for no organization. Read like the user
  // id: a getter that throws ends in the catch of the caller, so the policy decides.
  const rawOrg: unknown = event?.context?.organization?.code;
  const orgCode = typeof rawOrg === "string" ? rawOrg : "";
  // Made only when a line is logged: a run that logs nothing (the common one) does not escape it.
  const who = () => (userId ? clip(userId, 80) : "(no user id)") + (orgCode ? ` in ${clip(orgCode, 80)}` : "");
  const say = (text: string) => log(`kinde_claims: ${who()}: ${text}`);
  const fail = (why: string, note = "") => {
    say(`${why}; ${settings.failClosed ? "access denied" : "token issued without them"}${note}`);
    if (!settings.failClosed) return;
    try {
      denyAccess("Your account details could not be loaded. Please try again.");
    } catch (error) {
      say(`denyAccess failed: ${clip(describe(error))}`);
    }
  };

  for (const warning of settings.warnings) say(warning);
  if (rawOrg !== undefined && rawOrg !== null && typeof rawOrg !== "string") {
    const type = Array.isArray(rawOrg) ? "array" : typeof rawOrg;
    const kind = `${/^[aeiou]/.test(type) ? "an" : "a"} ${type}`;
    say(`the event's organization code is ${kind}, not a string; claims read without an organization`);
  }

  const lookup = await lookUpClaims(settings, userId, orgCode);
  if ("failure" in lookup) {
    // A refused argument (22023) would be refused again: no rebuild can give that token claims.
    const rebuild = !settings.failClosed && userId !== "" && lookup.code !== "22023";
    fail(`no claims: ${lookup.failure}`, rebuild ? await reportFailOpen(settings, userId, orgCode) : "");
    return;
  }

  const reserved: string[] = [];
  const issued: string[] = [];
  const inexact: string[] = [];
  const names: string[] = [];
  for (const name of Object.keys(lookup.claims)) {
    const inexactNumber = lookup.inexact.get(name);
    if (PROHIBITED_CLAIMS.indexOf(name) >= 0) reserved.push(name);
    else if (isKindeIssued(name) && settings.allowedKindeClaims.indexOf(name) < 0) issued.push(name);
    else if (inexactNumber) inexact.push(`${name} (${clip(inexactNumber, 40)})`);
    else names.push(name);
  }
  if (reserved.length > 0) say(`skipped claims Kinde reserves: ${listNames(reserved)}`);
  if (issued.length > 0) {
    say(`skipped claims Kinde issues itself: ${listNames(issued)} (allow one with KINDE_CLAIMS_ALLOWED_KINDE_CLAIMS)`);
  }
  if (inexact.length > 0) {
    say(`skipped claims holding a number a token cannot carry exactly (store it as a string): ${listNames(inexact)}`);
  }

  const { refused, reason } = setClaims(lookup.claims, names);
  if (refused.length > 0) fail(`Kinde refused claims ${listNames(refused)} (${clip(reason)})`);
}

export default async function kindeClaimsWorkflow(event: onUserTokenGeneratedEvent): Promise<void> {
  let settings: Settings | undefined;
  try {
    setSecrets([]);
    settings = readSettings();
    setSecrets([settings.apiKey, settings.gatewayKey]);
    await run(event, settings);
  } catch (error) {
    // An event whose fields throw when read, or a bug here: the policy still decides.
    const closed = settings ? settings.failClosed : false;
    log(`kinde_claims: unexpected error: ${clip(describe(error))}; ${closed ? "access denied" : "token issued without claims"}`);
    if (closed) {
      try {
        denyAccess("Your account details could not be loaded. Please try again.");
      } catch {
        // denyAccess itself is what failed; nothing else can refuse from here.
      }
    }
  }
}
