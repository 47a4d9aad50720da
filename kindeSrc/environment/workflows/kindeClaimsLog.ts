// The workflow's log lines: Kinde's console binding (which may be missing), text from outside
// escaped and cut, and the run's keys never logged, not even in part.

// Kinde's runtime is not Node or a browser: console comes from the "console" binding, and may be
// missing, so it is only ever reached through log().
declare const console: { log(...args: unknown[]): void; error(...args: unknown[]): void } | undefined;

// Longest piece of outside text (from the server, an error, the event) one log line carries.
export const LOG_TEXT_MAX_CHARS = 200;
// Most claim names one "skipped" log line lists.
const LOG_NAMES_MAX = 20;

// Describes a thrown value without trusting it: its message getter or toString may throw too.
export function describe(error: unknown): string {
  try {
    if (error instanceof Error) return `${error.name}: ${error.message}`;
    return String(error);
  } catch {
    return "an error that cannot be described";
  }
}

// The keys of the current run: taken out of every piece of logged text before it is cut, so that
// no prefix of a key survives a cut.
let secrets: string[] = [];

export function setSecrets(keys: string[]): void {
  secrets = keys;
}

function redact(text: string): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join("[redacted]");
  return out;
}

// One log line: control characters (and the line separators JavaScript treats as line breaks)
// escaped, so text from outside cannot forge or split lines; cut to a bounded length.
export function clip(text: string, max: number = LOG_TEXT_MAX_CHARS): string {
  const escaped = redact(text).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const named: { [c: string]: string } = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
    return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
  return escaped.length > max ? `${escaped.slice(0, max)}...(${escaped.length - max} more)` : escaped;
}

export function listNames(names: string[]): string {
  const shown = names.slice(0, LOG_NAMES_MAX).map((name) => clip(name, 80)).join(", ");
  return names.length > LOG_NAMES_MAX ? `${shown} and ${names.length - LOG_NAMES_MAX} more` : shown;
}

export function log(line: string): void {
  try {
    if (typeof console !== "undefined" && console && typeof console.error === "function") console.error(redact(line));
  } catch {
    // Nowhere left to report to; the token must still be issued (or denied) as the policy says.
  }
}
