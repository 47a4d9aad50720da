// A workflow bundled the way Kinde's own bundler bundles it, and run the way Kinde's runtime runs
// it. Kinde's bundler (kinde-oss/workflows-runtime, workflowBundler) calls esbuild with the options
// below and hands the one output file to goja, which compiles it once and then, for every run,
// executes it in a new runtime that has a global `module` object and calls module.exports.default
// with the event (FACTS.md §9). Used by the token-path tests and by bench/workflow.
import { build } from 'esbuild';
import path from 'node:path';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const WORKFLOW_ENTRY = path.join(root, 'kindeSrc/environment/workflows/kindeClaimsWorkflow.ts');
export const TUTORIAL_ENTRY = path.join(root, 'test/fixtures/tutorial-workflow/tutorialWorkflow.ts');

// esbuild's options as Kinde's bundler sets them (its Go API's names in the comments); Kinde's
// bundler is built with esbuild 0.24.0, the version package.json pins. Its working directory is
// the workflow's own directory.
export const KINDE_BUNDLER_OPTIONS = Object.freeze({
  loader: { '.js': 'js', '.tsx': 'tsx', '.ts': 'ts', '.jsx': 'jsx' },
  target: 'esnext',              // api.ESNext: nothing is lowered, so the source's syntax reaches goja
  format: 'cjs',                 // api.FormatCommonJS
  sourcemap: 'inline',           // api.SourceMapInline
  sourcesContent: true,          // api.SourcesContentInclude
  legalComments: 'none',
  platform: 'browser',           // api.PlatformDefault is esbuild's browser platform
  logLevel: 'silent',
  charset: 'utf8',
  bundle: true,
  write: false,
  treeShaking: true,
  minifyWhitespace: true,
  minifySyntax: true,
  outdir: 'output',
});

// The bundle's text (one file, as Kinde's bundler requires), and esbuild's warnings.
export async function bundleWorkflow(entry = WORKFLOW_ENTRY) {
  const result = await build({ ...KINDE_BUNDLER_OPTIONS, absWorkingDir: path.dirname(entry), entryPoints: [path.basename(entry)] });
  if (result.outputFiles.length !== 1) throw new Error(`esbuild made ${result.outputFiles.length} files, not one`);
  return { code: result.outputFiles[0].text, warnings: result.warnings };
}

// Compiles a bundle once; each call of the returned function executes it anew (a fresh `module`,
// its top-level code run again, as in a new goja runtime) and returns its module.exports.
export function loadBundle(code, name = 'workflow-bundle.js') {
  const wrapped = new vm.Script(`(function (module, exports) {${code}\n})`, { filename: name }).runInThisContext();
  return () => {
    const module = { exports: {} };
    wrapped(module, module.exports);
    return module.exports;
  };
}
