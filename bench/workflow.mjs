// bench/workflow's figures: see bench/workflow. Prints a Markdown report and writes it to the
// file named by its first argument.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import vm from 'node:vm';
import { TUTORIAL_ENTRY, WORKFLOW_ENTRY, bundleWorkflow, loadBundle } from '../test/token/kinde-bundle.mjs';

// BASELINE, when given, is an earlier version's workflow file (bench/workflow takes it from git).
const [report, samplesText = '50', batchText = '20', baselineEntry, baselineName = 'earlier'] = process.argv.slice(2);
const SAMPLES = Number(samplesText);
const BATCH = Number(batchText);  // runs per sample: a sample is their mean

const userId = 'kp_65b28d71bba14fa380d56d2d8d3503da';
const event = {
  request: { ip: '203.0.113.7', auth: { audience: [] } },
  context: {
    auth: { origin: 'refresh_token_request', connectionId: 'conn_bench', isExistingSession: true },
    user: { id: userId, identityId: 'identity_bench' },
    workflow: { trigger: 'user:tokens_generation' },
  },
};

// Kinde's bindings with a host fetch that answers at once: the host parses the body when the
// workflow asks for JSON (in Kinde it is parsed in Go, charged to the run), hands it over as text
// otherwise. Everything the workflow does is measured; no network.
function installKinde(env, body) {
  const claims = {};
  globalThis.kinde = {
    env: { get: (key) => (key in env ? { value: env[key], isSecret: false } : undefined) },
    accessToken: { getCustomClaims: () => claims, setCustomClaim: (name, value) => { claims[name] = value; } },
    auth: { denyAccess: () => { throw new Error('denied in a benchmark'); } },
    fetch: async (url, options) => (options.responseFormat === 'json' ? { json: JSON.parse(body) } : { text: body }),
  };
  return claims;
}

const ours = {
  name: 'kinde_claims workflow',
  env: { KINDE_CLAIMS_URL: 'https://project.example/rest/v1', KINDE_CLAIMS_API_KEY: 'eyJ.key.sig' },
};
const tutorial = {
  name: "tutorial's workflow",
  env: { SUPABASE_URL: 'https://project.example', SUPABASE_ANON_KEY: 'eyJ.anon.sig' },
};
const baseline = baselineEntry ? { name: `${baselineName} workflow`, env: ours.env } : null;
for (const [workflow, entry] of [[ours, WORKFLOW_ENTRY], [tutorial, TUTORIAL_ENTRY], [baseline, baselineEntry]]) {
  if (!workflow) continue;
  const { code } = await bundleWorkflow(entry);
  workflow.bytes = code.replace(/\/\/# sourceMappingURL=.*$/s, '').length;
  workflow.load = loadBundle(code, `${workflow.name}.js`);
  workflow.script = new vm.Script(code, { filename: `${workflow.name}.js` });
}

// One run as Kinde's runtime makes it: the bundle's top-level code, then its default export.
// Kinde's console binding collects the lines; here they are dropped.
const quiet = { log() {}, error() {} };
async function runOnce(workflow, body, expect) {
  const claims = installKinde(workflow.env, body);
  const saved = globalThis.console;
  globalThis.console = quiet;
  try {
    await workflow.load().default(event);
  } finally {
    globalThis.console = saved;
  }
  if (expect && !expect(claims)) throw new Error(`${workflow.name}: unexpected claims ${JSON.stringify(claims).slice(0, 200)}`);
}

// The same in a context of its own, made for the run (vm.createContext): the closest Node has to
// the new goja runtime Kinde makes for every run, whose fixed cost (the same for both workflows)
// then weighs in as it does there.
async function runInFreshContext(workflow, body) {
  const claims = installKinde(workflow.env, body);
  const context = vm.createContext({ kinde: globalThis.kinde, module: { exports: {} }, console: quiet });
  workflow.script.runInContext(context);
  await context.module.exports.default(event);
  if (claims.lifetime_subscriber !== true) throw new Error(`${workflow.name}: unexpected claims`);
}

async function sample(workflow, body, runs, fresh = false) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) await (fresh ? runInFreshContext(workflow, body) : runOnce(workflow, body));
  return Number(process.hrtime.bigint() - started) / 1e6 / runs;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

// Interleaved samples of several (workflow, body) cases, after a warm-up; medians in ms per run.
async function measure(cases, runs, fresh = false) {
  for (const c of cases) {
    await runOnce(c.workflow, c.body, c.expect);
    for (let i = 0; i < 200; i++) await (fresh ? runInFreshContext(c.workflow, c.body) : runOnce(c.workflow, c.body));
  }
  const times = cases.map(() => []);
  for (let s = 0; s < SAMPLES; s++) {
    for (let i = 0; i < cases.length; i++) times[i].push(await sample(cases[i].workflow, cases[i].body, runs, fresh));
  }
  return times.map(median);
}

const subscriberOnly = '{"lifetime_subscriber": true}';
const typical = '{"plan": "pro", "seats": 5, "price": 9.90, "lifetime_subscriber": true}';
const tutorialBody = '[{"lifetime_subscriber":true}]';
const isSubscriber = (claims) => claims.lifetime_subscriber === true;

// A string claim of `bytes` characters that looks like text with numbers in it (the scan must
// skip them), JSON-escaped; with `risky`, also a number a double cannot hold (that claim is left
// out, the rest set).
function bigAnswer(bytes, risky) {
  const piece = 'order 12345 paid 9.90 EUR, "quoted" \\ and ü; ';
  const text = piece.repeat(Math.ceil(bytes / piece.length)).slice(0, bytes);
  const claims = { lifetime_subscriber: true, note: text };
  const json = JSON.stringify(claims);
  return risky ? `${json.slice(0, -1)}, "org_id": 750727362669608961}` : json;
}
const hasNote = (bytes) => (claims) => claims.lifetime_subscriber === true && claims.note?.length === bytes;

const common = [
  { workflow: ours, body: subscriberOnly, expect: isSubscriber },
  { workflow: ours, body: typical, expect: (c) => isSubscriber(c) && c.price === 9.9 && c.plan === 'pro' },
  { workflow: tutorial, body: tutorialBody, expect: isSubscriber },
];
if (baseline) common.push({ workflow: baseline, body: subscriberOnly, expect: isSubscriber });
const [oursSubscriber, oursTypical, tutorialTime, baselineSubscriber] = await measure(common, BATCH);
const [freshSubscriber, freshTypical, freshTutorial, freshBaseline] = await measure(common, Math.max(1, BATCH >> 2), true);

const sizes = [4000, 64000];
const big = await measure(sizes.flatMap((bytes) => [
  { workflow: ours, body: bigAnswer(bytes, false), expect: hasNote(bytes) },
  { workflow: ours, body: bigAnswer(bytes, true), expect: (c) => hasNote(bytes)(c) && !('org_id' in c) },
  ...(baseline ? [{ workflow: baseline, body: bigAnswer(bytes, false), expect: hasNote(bytes) }] : []),
]), 2);
const perSize = baseline ? 3 : 2;

const ms = (value) => value.toFixed(4);
const ratio = (value, base = tutorialTime) => `${(value / base).toFixed(2)}x`;
const verdict = (value, base) => (value / base <= 1.2 ? 'met' : 'NOT met');
const lines = [
  '# The workflow per run, against the tutorial\'s',
  '',
  `Written by \`bench/workflow\` on ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ` +
    `${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} at the end.`,
  `Both workflows bundled with Kinde's bundler's esbuild options (ours ${ours.bytes} bytes without the source map,`,
  `the tutorial's ${tutorial.bytes}); a run executes the bundle's top-level code and then its default export, as`,
  'Kinde\'s runtime does for every run, and the host\'s fetch answers at once. "JavaScript alone": the bundle',
  'runs in this process\'s context; "in a fresh context": in a vm context made for the run, as Kinde makes a',
  `new goja runtime for each. Median of ${SAMPLES} samples, each the mean of ${BATCH} runs (${Math.max(1, BATCH >> 2)} in a fresh`,
  'context, 2 for the large answers).',
  '',
  '| workflow, answer | JavaScript alone, ms per run | against the tutorial | in a fresh context, ms per run | against the tutorial |',
  '|---|---:|---:|---:|---:|',
  `| tutorial's, \`${tutorialBody}\` | ${ms(tutorialTime)} | 1.00x | ${ms(freshTutorial)} | 1.00x |`,
  `| ours, \`${subscriberOnly}\` | ${ms(oursSubscriber)} | ${ratio(oursSubscriber)} | ${ms(freshSubscriber)} | ${ratio(freshSubscriber, freshTutorial)} |`,
  `| ours, \`${typical}\` | ${ms(oursTypical)} | ${ratio(oursTypical)} | ${ms(freshTypical)} | ${ratio(freshTypical, freshTutorial)} |`,
  ...(baseline ? [`| ${baseline.name}, \`${subscriberOnly}\` | ${ms(baselineSubscriber)} | ${ratio(baselineSubscriber)} | ` +
    `${ms(freshBaseline)} | ${ratio(freshBaseline, freshTutorial)} |`] : []),
  ...sizes.flatMap((bytes, i) => [
    `| ours, a ${bytes / 1000} KB string claim | ${ms(big[perSize * i])} | ${ratio(big[perSize * i])} | | |`,
    `| ours, a ${bytes / 1000} KB string claim and a number a double cannot hold | ${ms(big[perSize * i + 1])} | ${ratio(big[perSize * i + 1])} | | |`,
    ...(baseline ? [`| ${baseline.name}, a ${bytes / 1000} KB string claim | ${ms(big[perSize * i + 2])} | ${ratio(big[perSize * i + 2])} | | |`] : []),
  ]),
  '',
  `Goal (issue 22 §5), the common answer at most 1.2x the tutorial's per run: in a fresh context ` +
    `**${verdict(freshSubscriber, freshTutorial)}** (${ratio(freshSubscriber, freshTutorial)}); JavaScript alone ` +
    `**${verdict(oursSubscriber, tutorialTime)}** (${ratio(oursSubscriber)}).`,
  `Growth from 4 KB to 64 KB (16x the text): ${(big[perSize] / big[0]).toFixed(1)}x the time ` +
    `(with a number a double cannot hold: ${(big[perSize + 1] / big[1]).toFixed(1)}x` +
    `${baseline ? `; ${baseline.name}: ${(big[perSize + 2] / big[2]).toFixed(1)}x, in V8, whose string ropes hide what goja pays` : ''}).`,
];
const text = `${lines.join('\n')}\n`;
process.stdout.write(text);
if (report) writeFileSync(report, text);
