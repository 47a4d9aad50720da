// What the workflow checks in kinde_claims_for's answer before a claim reaches the token: names
// Kinde reserves or issues itself (the same lists as src/rules/kinde_rules.cpp), and numbers a
// double cannot hold (docs/FACTS.md §7). Not a workflow itself: Kinde's bundler takes only files
// whose names end in "Workflow.ts" as workflows, and inlines this one into the workflow's bundle.
// It imports nothing: whatever the bundle holds runs again on every run.

export type Claims = { [name: string]: unknown };

// Kinde's claims a workflow may not set: all tokens, plus the access- and ID-token additions.
// Kept identical to kProhibitedClaims in src/rules/kinde_rules.cpp (a test compares the two).
export const PROHIBITED_CLAIMS: readonly string[] = [
  "act", "aud", "auth_time", "azp", "exp", "iat", "iss",
  "jti", "nbf", "rat", "scp", "sid", "sub", "updated_at",
];

// Names Kinde puts in its tokens itself (docs/FACTS.md §6): a custom claim of that name replaces
// Kinde's value (its RBAC, its organization, the user's identity), so none is set unless
// KINDE_CLAIMS_ALLOWED_KINDE_CLAIMS names it. Kept identical, order included, to
// kKindeIssuedClaims and kKindeIssuedClaimPrefixes in src/rules/kinde_rules.cpp (a test compares).
export const KINDE_ISSUED_CLAIMS: readonly string[] = [
  "permissions", "roles", "org_code", "org_name", "feature_flags", "email",
  "external_organization_id", "application_properties", "organization_properties",
  "user_properties", "has_trial_period", "trial_expires_on", "at_hash", "name", "given_name",
  "family_name", "picture", "org_codes", "provided_id", "https://hasura.io/jwt/claims",
];
// Matched ignoring ASCII case: Hasura reads its x-hasura-* names case-insensitively.
export const KINDE_ISSUED_CLAIM_PREFIXES: readonly string[] = ["ext_", "x-hasura-"];

export function isKindeIssued(name: string): boolean {
  if (KINDE_ISSUED_CLAIMS.indexOf(name) >= 0) return true;
  const lower = name.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return KINDE_ISSUED_CLAIM_PREFIXES.some((prefix) => lower.length > prefix.length && lower.slice(0, prefix.length) === prefix);
}

// A decimal numeral's value, written one way: sign, significant digits, and the exponent that puts
// the point before the first of them ("0" for zero, whatever its sign; "" for text that is not a
// numeral). Two numerals are equal in value exactly when these are. (lossless-json's compareNumber
// does the same; importing it would put that package's module-level code, a class among it, into
// the bundle, which Kinde's runtime runs again on every run. A test checks that the two agree.)
function decimalValue(text: string): string {
  const parts = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!parts) return "";
  const digits = parts[2] + (parts[3] ?? "");
  let first = 0;
  while (first < digits.length && digits.charCodeAt(first) === 48) first += 1;
  let end = digits.length;
  while (end > first && digits.charCodeAt(end - 1) === 48) end -= 1;
  if (first === end) return "0";
  return `${parts[1]}${digits.slice(first, end)}e${Number(parts[4] ?? "0") + parts[2].length - first}`;
}

// FACTS.md §7: a number survives when its nearest double, written in shortest form, has the same
// numeric value (so 9.90, 1e308, 5e-324, 2^53 and -0 survive; 750727362669608961 and 1e-400 do not).
export function survivesDouble(text: string): boolean {
  const value = Number(text);
  if (!Number.isFinite(value)) return false;
  const shortest = String(value);
  if (shortest === text) return true;
  const exact = decimalValue(text);
  return exact !== "" && exact === decimalValue(shortest);
}

// The answer's tokens that matter here, left to right: a string (group 1, with group 2 the colon
// after it when it is an object's key), a number (JSON's grammar), or a bracket. In JSON text a
// match starting with a quote is always a whole string, so a digit inside a string is never taken
// for a number. Each branch is a loop over a character class: linear in the text in a backtracking
// engine and in RE2 alike, and a string is one match however long it is.
const ANSWER_TOKEN = /("[^"\\]*(?:\\.[^"\\]*)*")(\s*:)?|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|[[{\]}]/g;

// The object keys in a value JSON.parse returned, at any depth.
function countKeys(value: unknown): number {
  if (typeof value !== "object" || value === null) return 0;
  const children = Array.isArray(value) ? value : Object.keys(value).map((key) => (value as Claims)[key]);
  let count = Array.isArray(value) ? 0 : children.length;
  for (let i = 0; i < children.length; i++) count += countKeys(children[i]);
  return count;
}

export type Answer = {
  value: unknown;
  // Each top-level claim holding a number a double cannot hold (at any depth): its first such
  // number as the answer wrote it. The value holds 0 in its place.
  inexact: Map<string, string>;
  // How many tokens the scan matched (for the tests: a string is one, however long).
  tokens: number;
};

// The answer's JSON, with every number checked against the text it was written as (docs/FACTS.md
// §7). A scan of the text finds each number as written; one that a double cannot hold exactly is
// replaced by a 0 padded with spaces (so JSON.parse neither rounds it nor, as goja's does for one
// beyond a double's range, refuses the whole answer) and the top-level claim holding it is
// recorded, to be left out. Then one JSON.parse and one walk of its value: time linear in the
// answer's size. (Up to 0.7.0 lossless-json parsed the text number by number, building each string
// a character at a time: quadratic in Kinde's runtime, FACTS.md §9.)
// Throws when the text is not JSON, or names a key twice in one object (never in PostgREST's
// answer from jsonb; JSON.parse would keep the last, so it is refused rather than guessed).
export function parseAnswer(text: string): Answer {
  const inexact = new Map<string, string>();
  const pieces: string[] = [];
  let copied = 0;  // text before this index is in pieces
  let keys = 0;
  let tokens = 0;
  let depth = 0;
  let claim = "";  // the top-level key being read, as written
  ANSWER_TOKEN.lastIndex = 0;
  for (let token = ANSWER_TOKEN.exec(text); token !== null; token = ANSWER_TOKEN.exec(text)) {
    tokens += 1;
    const first = token[0].charCodeAt(0);
    if (first === 34) {  // a string
      if (token[2] !== undefined) {
        keys += 1;
        if (depth === 1) claim = token[1];
      }
    } else if (first === 123 || first === 91) {  // { [
      depth += 1;
    } else if (first === 125 || first === 93) {  // } ]
      depth -= 1;
    } else if (!survivesDouble(token[0])) {
      if (depth >= 1 && claim) {
        const name: string = JSON.parse(claim);
        if (!inexact.has(name)) inexact.set(name, token[0]);
      }
      pieces.push(text.slice(copied, token.index), "0".padEnd(token[0].length, " "));
      copied = token.index + token[0].length;
    }
  }
  if (copied > 0) pieces.push(text.slice(copied));
  const value: unknown = JSON.parse(copied > 0 ? pieces.join("") : text);
  if (countKeys(value) !== keys) throw new SyntaxError("Duplicate key: an object in the answer names a key twice");
  return { value, inexact, tokens };
}
