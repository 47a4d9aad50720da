// What the documentation says that the code can confirm: the SQL functions, signatures and
// settings it quotes, and the kinde-claims-shim flags it quotes. Used by test/suites/05-docs.
//
// codeSpans(text): every inline code span and fenced block of a Markdown text, with its 1-based
//   line: [{line, code}].
// sqlMentions(text): what the code spans name of the extension: [{line, kind, name, args}], where
//   kind is "call" (kinde_...( with anything inside), "signature" (every argument a type, with an
//   optional name before it and an optional DEFAULT after it; args are the types, lower case,
//   comma-joined, as pg_describe_object spells an identity: "text,boolean,jsonb") or "setting"
//   (kinde_claims.NAME not followed by "(").
// extensionObjects(membersListing): from the listing of test/expected/edition_catalog.out (the
//   rows of pg_describe_object over the C++ edition's members), {functions: Map(name ->
//   Set(identity args)), relations: Set(name)}; names without the schema "kinde_claims." prefix
//   for public functions.
// shimFlags(text): the --flags of a doc text's code spans: [{line, flag}].
// All are pure; they read nothing.

const TYPES = new Set([
  'text', 'boolean', 'jsonb', 'json', 'integer', 'int', 'bigint', 'interval', 'regclass', 'trigger',
  'timestamptz', 'smallint', 'uuid',
]);
const TYPE_ALIAS = { int: 'integer' };

export function codeSpans(text) {
  const spans = [];
  const lines = text.split('\n');
  let fence = null;
  let block = [];
  let blockLine = 0;
  lines.forEach((raw, i) => {
    const line = i + 1;
    const f = /^\s*(```+|~~~+)/.exec(raw);
    if (fence !== null) {
      if (f && raw.trim().startsWith(fence)) {
        spans.push({ line: blockLine, code: block.join('\n') });
        fence = null;
      } else {
        block.push(raw);
      }
      return;
    }
    if (f) {
      fence = f[1];
      block = [];
      blockLine = line + 1;
      return;
    }
    if (/^( {4}|\t)/.test(raw)) {
      spans.push({ line, code: raw });
      return;
    }
    for (const m of raw.matchAll(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g)) spans.push({ line, code: m[2] });
  });
  return spans;
}

// Splits an argument list at its top-level commas.
function splitArgs(s) {
  const out = [];
  let depth = 0;
  let quote = false;
  let cur = '';
  for (const ch of s) {
    if (ch === "'") quote = !quote;
    if (!quote && ch === '(') depth++;
    if (!quote && ch === ')') depth--;
    if (!quote && depth === 0 && ch === ',') {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  if (cur.trim() !== '') out.push(cur);
  return out.map((a) => a.trim());
}

// The type of one declared argument ("user_id text DEFAULT NULL" -> "text"), or null when it is
// not a declaration (a value, a named argument "x => y", a column name).
function argType(arg) {
  const decl = arg.replace(/\s+DEFAULT\s+[\s\S]*$/i, '').trim().toLowerCase();
  if (decl.includes('=>')) return null;
  const words = decl.split(/\s+/);
  if (words.length > 2) return null;
  const type = words[words.length - 1];
  return TYPES.has(type) ? (TYPE_ALIAS[type] ?? type) : null;
}

export function sqlMentions(text) {
  const found = [];
  for (const { line, code } of codeSpans(text)) {
    code.split('\n').forEach((codeLine, k) => {
      const at = line + k;
      // A name after "/" is a file path (hosted/kinde_claims.sql), not SQL.
      for (const m of codeLine.matchAll(/(?<![\w/-])(kinde_claims\.[a-z0-9_]+|kinde_[a-z0-9_]+)\s*(\()?/g)) {
        const name = m[1];
        if (m[2] === undefined) {
          if (name.startsWith('kinde_claims.')) found.push({ line: at, kind: 'setting', name });
          continue;
        }
        // The argument list up to the matching parenthesis.
        let depth = 0;
        let end = -1;
        const from = m.index + m[0].length - 1;
        for (let j = from; j < codeLine.length; j++) {
          if (codeLine[j] === '(') depth++;
          if (codeLine[j] === ')' && --depth === 0) {
            end = j;
            break;
          }
        }
        if (end < 0) {
          found.push({ line: at, kind: 'call', name, args: null });
          continue;
        }
        const args = splitArgs(codeLine.slice(from + 1, end));
        const types = args.map(argType);
        if (args.length > 0 && types.every((t) => t !== null)) {
          found.push({ line: at, kind: 'signature', name, args: types.join(',') });
        } else {
          found.push({ line: at, kind: 'call', name, args: null });
        }
      }
    });
  }
  return found;
}

export function extensionObjects(membersListing) {
  const functions = new Map();
  const relations = new Set();
  for (const raw of membersListing.split('\n')) {
    const fn = /^ function ([a-z0-9_.]+)\(([^)]*)\)\s*$/.exec(raw);
    if (fn) {
      if (!functions.has(fn[1])) functions.set(fn[1], new Set());
      functions.get(fn[1]).add(fn[2]);
      continue;
    }
    const rel = /^ (?:table|sequence|schema) ([a-z0-9_.]+)\s*$/.exec(raw);
    if (rel) relations.add(rel[1]);
  }
  return { functions, relations };
}

export function shimFlags(text) {
  const found = [];
  for (const { line, code } of codeSpans(text)) {
    code.split('\n').forEach((codeLine, k) => {
      for (const m of codeLine.matchAll(/(?<![\w-])--([a-z][a-z0-9-]*)/g)) found.push({ line: line + k, flag: `--${m[1]}` });
    });
  }
  return found;
}
