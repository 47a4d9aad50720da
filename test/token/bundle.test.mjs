// The workflow as Kinde ships it: bundled with Kinde's bundler's esbuild options (kinde-bundle.mjs)
// and run the way Kinde's runtime runs it. Issue 22 §5: the bundle holds no syntax Kinde's runtime
// (goja) lacks, its constructs are the ones docs/workflow.md lists, it behaves as the compiled
// workflow does, and reading an answer takes time linear in its size, shown by its structure
// rather than timed: no character-at-a-time parser is bundled, a string is one token of the scan
// however long, and the answer's value is what lossless-json's exact parse gives.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { build } from 'esbuild';
import { compareNumber, parse as losslessParse } from 'lossless-json';
import ts from 'typescript';
import { KINDE_BUNDLER_OPTIONS, bundleWorkflow, loadBundle, root } from './kinde-bundle.mjs';
import { runWorkflow } from './kinde-runtime.mjs';

const { default: compiledWorkflow } = await import(`${root}/build/kindeSrc/environment/workflows/kindeClaimsWorkflow.js`);
const { parseAnswer, survivesDouble } = await import(`${root}/build/kindeSrc/environment/workflows/kindeClaimsRules.js`);

let bundle;
before(async () => {
  bundle = await bundleWorkflow();
});

// The syntax a bundle uses, by construct, found in its syntax tree (not its text, where `??=` may
// sit in a string). ES2021's logical assignment is the construct goja lacks (FACTS.md §9).
const LOGICAL_ASSIGNMENT = new Set([
  ts.SyntaxKind.BarBarEqualsToken, ts.SyntaxKind.AmpersandAmpersandEqualsToken, ts.SyntaxKind.QuestionQuestionEqualsToken,
]);
function constructs(code) {
  const found = new Set();
  const source = ts.createSourceFile('bundle.js', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const visit = (node) => {
    const k = ts.SyntaxKind;
    switch (node.kind) {
      case k.ArrowFunction: found.add('arrow functions'); break;
      case k.ClassDeclaration: case k.ClassExpression: found.add('classes'); break;
      case k.PropertyDeclaration: found.add('class fields'); break;
      case k.GetAccessor: case k.SetAccessor: found.add('getters and setters'); break;
      case k.AwaitExpression: found.add('async/await'); break;
      case k.TemplateExpression: case k.NoSubstitutionTemplateLiteral: found.add('template literals'); break;
      case k.SpreadElement: case k.SpreadAssignment: found.add('spread'); break;
      case k.ObjectBindingPattern: case k.ArrayBindingPattern: found.add('destructuring'); break;
      case k.ForOfStatement: found.add('for...of'); break;
      case k.ComputedPropertyName: found.add('computed property names'); break;
      case k.ShorthandPropertyAssignment: found.add('shorthand properties'); break;
      case k.MethodDeclaration: found.add('method definitions'); break;
      case k.BigIntLiteral: found.add('BigInt literals'); break;
      case k.PrivateIdentifier: found.add('private class members'); break;
      case k.YieldExpression: found.add('generators'); break;
      case k.CatchClause: if (!node.variableDeclaration) found.add('optional catch binding'); break;
      case k.QuestionDotToken: found.add('optional chaining (?.)'); break;
      case k.Parameter: if (node.initializer) found.add('default parameters'); break;
      case k.VariableDeclarationList:
        if (node.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) found.add('let/const');
        break;
      case k.RegularExpressionLiteral: {
        const flags = node.text.slice(node.text.lastIndexOf('/') + 1);
        found.add(flags ? `regular expressions (flags ${[...flags].sort().join('')})` : 'regular expressions');
        break;
      }
      case k.NewExpression: case k.CallExpression: {
        const callee = node.expression.getText(source);
        if (['Proxy', 'Map', 'Set', 'WeakMap', 'Promise', 'BigInt', 'Symbol.for', 'Reflect.get', 'Reflect.set'].includes(callee)) {
          found.add(`${callee}()`);
        }
        break;
      }
      case k.BinaryExpression:
        if (LOGICAL_ASSIGNMENT.has(node.operatorToken.kind)) found.add(`logical assignment (${node.operatorToken.getText(source)})`);
        if (node.operatorToken.kind === k.QuestionQuestionToken) found.add('nullish coalescing (??)');
        if (node.operatorToken.kind === k.AsteriskAsteriskToken) found.add('exponentiation (**)');
        break;
      default:
        break;
    }
    if ((ts.canHaveModifiers(node) ? ts.getModifiers(node) ?? [] : []).some((m) => m.kind === k.AsyncKeyword)) found.add('async/await');
    if (node.asteriskToken) found.add('generators');
    ts.forEachChild(node, visit);
  };
  visit(source);
  return [...found].sort();
}

describe("the bundle Kinde's bundler makes", () => {
  it('is one file, made without a warning', () => {
    assert.ok(bundle.code.length > 0);
    assert.deepEqual(bundle.warnings, []);
  });

  it('the construct finder sees logical assignment in a bundle (so it can see it in ours)', async () => {
    const result = await build({
      ...KINDE_BUNDLER_OPTIONS,
      entryPoints: undefined,
      stdin: { contents: 'export default function f(o) { o.a ||= 1; o.b &&= 2; o.c ??= 3; return o; }', loader: 'ts' },
    });
    const found = constructs(result.outputFiles[0].text);
    for (const op of ['||=', '&&=', '??=']) assert.ok(found.includes(`logical assignment (${op})`), `${op}: ${found}`);
  });

  it('holds no ES2021 logical assignment (||=, &&=, ??=), which goja rejects', () => {
    const found = constructs(bundle.code).filter((c) => c.startsWith('logical assignment'));
    assert.deepEqual(found, [], 'ESNext leaves them as written: rewrite them in kindeSrc/ (a = a || b, ...)');
  });

  it('uses exactly the constructs docs/workflow.md lists', async () => {
    const doc = await readFile(`${root}/docs/workflow.md`, 'utf8');
    const line = /^The bundle uses: (.*)\.$/m.exec(doc);
    assert.ok(line, 'docs/workflow.md has no line "The bundle uses: ..."');
    const listed = line[1].split('; ').map((c) => c.replace(/`/g, '')).sort();
    assert.deepEqual(constructs(bundle.code), listed, `update the list in docs/workflow.md: ${constructs(bundle.code).join("; ")}`);
  });

  it('inlines no character-at-a-time JSON parser, and nothing of lossless-json', () => {
    const map = /\/\/# sourceMappingURL=data:application\/json;base64,(\S+)\s*$/.exec(bundle.code);
    assert.ok(map, 'the bundle carries its inline source map');
    const sources = JSON.parse(Buffer.from(map[1], 'base64').toString('utf8')).sources;
    assert.deepEqual(sources.filter((s) => s.includes('lossless-json')), []);
    assert.ok(sources.some((s) => s.includes('kindeClaimsRules.ts')), sources.join(', '));
  });

  it('exports only the workflow and its settings (each export costs every run a getter)', () => {
    assert.deepEqual(Object.keys(loadBundle(bundle.code)()).sort(), ['default', 'workflowSettings']);
  });
});

describe('the bundled workflow, run as Kinde runs it, does what the compiled one does', () => {
  const env = { KINDE_CLAIMS_URL: 'https://project.example/rest/v1', KINDE_CLAIMS_API_KEY: 'key-for-the-bundle-test' };
  const answers = [
    '{"lifetime_subscriber": true}',
    '{"plan": "pro", "seats": 5, "price": 9.90, "lifetime_subscriber": false}',
    '{"lifetime_subscriber": true, "org_id": 750727362669608961, "limits": {"q": [1, 1e-400]}, "plan": "pro"}',
    `{"lifetime_subscriber": true, "note": ${JSON.stringify('digits 12345678901234567890 in a string, "quoted" \\ '.repeat(1300))}}`,
    '{"lifetime_subscriber": true, "sub": "kp_x", "permissions": ["all"]}',
    '{"code": "PGRST202", "details": null, "hint": null, "message": "no such function"}',
    '{"lifetime_subscriber": true, "a": 1, "a": 2}',
    '<html>502</html>',
  ];
  for (const body of answers) {
    it(`${body.slice(0, 70)}${body.length > 70 ? '...' : ''}`, async () => {
      const options = { userId: 'kp_bundle0001', env, bindings: { fetch: () => async () => ({ text: body }) } };
      const compiled = await runWorkflow(compiledWorkflow, options);
      const bundled = await runWorkflow(loadBundle(bundle.code)().default, options);
      assert.equal(bundled.threw, undefined);
      assert.deepEqual(bundled.claims, compiled.claims);
      assert.deepEqual(bundled.logs, compiled.logs);
      assert.deepEqual(bundled.denied, compiled.denied);
    });
  }
});

// A seeded generator of answers: nested objects and arrays, strings full of digits, quotes,
// escapes and colons, numbers a double holds and numbers it does not, whitespace anywhere.
function generator(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const pick = (list) => list[Math.floor(next() * list.length)];
  const numbers = ['0', '-0', '1', '5', '-17', '9.90', '0.1', '1.5e3', '2.5E-7', '9007199254740992', '1e308',
    '5e-324', '100000000000000000000', '1.7976931348623157e308', '9007199254740993', '750727362669608961',
    '1e-400', '1e400', '-12345678901234567890', '0.10000000000000000001', '2.4703282292062328e-324'];
  const strings = ['', 'pro', '12.5', '1e400', 'a"b', 'back\\slash', ': {"x": 1}', '\u2028', 'ü', '😀', '\u0000',
    'digits 750727362669608961', '[1, 2]', '\\"'];
  const keys = ['plan', 'seats', 'a:b', '', '1', '10', '__proto__', 'x y', '"q"', 'ünï', '9.90', 'constructor'];
  const space = () => pick(['', '', ' ', '\n  ', '\t']);
  const string = (s) => {
    const json = JSON.stringify(s);
    return next() < 0.2 ? json.replace(/[a-z]/, (c) => `\\u00${c.charCodeAt(0).toString(16)}`) : json;
  };
  const value = (depth) => {
    const r = next();
    if (depth < 4 && r < 0.2) return object(depth + 1);
    if (depth < 4 && r < 0.35) {
      const items = Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
      return `[${space()}${items.join(`${space()},${space()}`)}${space()}]`;
    }
    if (r < 0.6) return pick(numbers);
    if (r < 0.9) return string(pick(strings));
    return pick(['true', 'false', 'null']);
  };
  const object = (depth) => {
    const names = [...new Set(Array.from({ length: Math.floor(next() * 5) }, () => pick(keys)))];
    const members = names.map((k) => `${string(k)}${space()}:${space()}${value(depth)}`);
    return `{${space()}${members.join(`${space()},${space()}`)}${space()}}`;
  };
  return () => `${space()}${object(1)}${space()}`;
}

// The reference: lossless-json's exact parse (what the workflow used up to 0.7.0), each number
// kept as a double when it survives and marked otherwise.
const INEXACT = Symbol('inexact');
function reference(text) {
  const value = losslessParse(text, null, (n) => (survivesDouble(n) ? Number(n) : { [INEXACT]: n }));
  const holds = (v) => v !== null && typeof v === 'object' && (INEXACT in v || Object.values(v).some(holds));
  const inexact = Object.keys(value).filter((k) => holds(value[k])).sort();
  return { value, inexact };
}

describe('reading an answer (parseAnswer): linear in its size, exact in its numbers', () => {
  it('a string is one token of the scan, however long: 4 KB and 64 KB cost the same number of steps', () => {
    for (const bytes of [4000, 64000]) {
      const note = '12345, 9.90 "q" \\ ü: {'.repeat(bytes / 20).slice(0, bytes);
      const text = JSON.stringify({ lifetime_subscriber: true, note, seats: 5 });
      const answer = parseAnswer(text);
      assert.equal(answer.value.note, note);
      assert.equal(answer.inexact.size, 0);
      // { "lifetime_subscriber": true , "note": "..." , "seats": 5 }: braces, three keys, a string, a number
      assert.equal(answer.tokens, 7, `${bytes} bytes`);
    }
  });

  it("survivesDouble agrees with lossless-json's compareNumber on 30,000 numerals", () => {
    let state = 7;
    const next = () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
    const digits = (n) => Array.from({ length: n }, () => Math.floor(next() * 10)).join('');
    const numeral = () => {
      const r = next();
      if (r < 0.3) {  // a double's own shortest form, rewritten: trailing zeros, another exponent
        const value = (next() - 0.5) * 10 ** Math.floor(next() * 640 - 330);
        const [mantissa, exponent = '0'] = String(value).split('e');
        const zeros = '0'.repeat(Math.floor(next() * 3));
        return `${mantissa}${mantissa.includes('.') ? zeros : ''}e${exponent}`;
      }
      const int = next() < 0.3 ? '0' : `${1 + Math.floor(next() * 9)}${digits(Math.floor(next() * 25))}`;
      const frac = next() < 0.5 ? `.${digits(1 + Math.floor(next() * 25))}` : '';
      const exp = next() < 0.5 ? `${next() < 0.5 ? 'e' : 'E'}${['', '+', '-'][Math.floor(next() * 3)]}${digits(1 + Math.floor(next() * 3))}` : '';
      return `${next() < 0.3 ? '-' : ''}${int}${frac}${exp}`;
    };
    const library = (text) => Number.isFinite(Number(text)) && compareNumber(text, String(Number(text))) === 0;
    let survived = 0;
    for (let i = 0; i < 30000; i++) {
      const text = numeral();
      assert.equal(survivesDouble(text), library(text), text);
      if (library(text)) survived += 1;
    }
    assert.ok(survived > 5000 && survived < 25000, `both kinds were tried (${survived} survived)`);
  });

  it('a number a double cannot hold names the claim holding it, by its text; the others are exact', () => {
    const answer = parseAnswer('{"lifetime_subscriber": true, "org_id": 750727362669608961, "n": {"a": [1, 1e-400, 1e400]}, "price": 9.90}');
    assert.deepEqual([...answer.inexact], [['org_id', '750727362669608961'], ['n', '1e-400']]);
    assert.equal(answer.value.price, 9.9);
    assert.equal(answer.value.lifetime_subscriber, true);
  });

  it('a number beyond a double\'s range does not make the answer unreadable (goja\'s JSON.parse refuses one)', () => {
    const answer = parseAnswer(`{"lifetime_subscriber": true, "big": 1${'0'.repeat(400)}, "plan": "pro"}`);
    assert.deepEqual([...answer.inexact.keys()], ['big']);
    assert.equal(answer.value.plan, 'pro');
  });

  it('refuses a key named twice in one object, at any depth', () => {
    assert.throws(() => parseAnswer('{"lifetime_subscriber": true, "a": 1, "a": 1}'), /^SyntaxError: Duplicate key/);
    assert.throws(() => parseAnswer('{"lifetime_subscriber": true, "a": {"b": 1, "b": 2}}'), /^SyntaxError: Duplicate key/);
    assert.deepEqual(parseAnswer('{"a": {"b": 1}, "c": {"b": 2}}').value, { a: { b: 1 }, c: { b: 2 } });
  });

  it('gives what lossless-json\'s exact parse gives, on 2,000 generated answers', () => {
    const next = generator(22);
    for (let i = 0; i < 2000; i++) {
      const text = next();
      const ref = reference(text);
      const answer = parseAnswer(text);
      assert.deepEqual([...answer.inexact.keys()].sort(), ref.inexact, text);
      for (const [name, number] of answer.inexact) {
        assert.ok(!survivesDouble(number) && text.includes(number), `${name}: ${number} in ${text}`);
      }
      for (const name of Object.keys(ref.value)) {
        if (!answer.inexact.has(name)) assert.deepStrictEqual(answer.value[name], ref.value[name], `${name} in ${text}`);
      }
      assert.deepEqual(Object.keys(answer.value), Object.keys(ref.value), text);
    }
  });
});
