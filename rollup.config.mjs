/**
 * Browser bundles. The npm entries (`dist/src`, `dist/server`: one ES module per source file, `.d.ts` beside
 * each, `lit` and `@lit/context` left as imports) come from `tsc -p tsconfig.build.json`; this config adds
 * self-contained ES modules a page can load with one `<script type="module">` and no build step:
 *
 * | file | entry | holds |
 * |---|---|---|
 * | `dist/browser/realtime.js` | `src/index.ts` | the core client |
 * | `dist/browser/rt-elements.js` | `src/define/browser.ts` | core + elements + Lit; registers the tags |
 *
 * esbuild transpiles (TypeScript itself only type-checks and emits declarations); terser minifies, a few
 * hundred bytes smaller than esbuild's minifier after gzip. `test/elements/size.node.test.ts` builds these same
 * configs in memory to hold them to their budgets. Building the elements also writes `custom-elements.json`.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import esbuild from 'rollup-plugin-esbuild';

/**
 * package.json's `sideEffects` names the built `dist/src/define/*.js`; bundling from source, the matching
 * `src/define/*.ts` files must keep their side effect (registering the tags) too.
 */
const defineHasSideEffects = {
  name: 'define-has-side-effects',
  transform: (code, id) => (/[\\/]src[\\/]define[\\/]/.test(id) ? { code, map: null, moduleSideEffects: true } : null),
};

/**
 * Writes `custom-elements.json` (custom-elements-manifest.config.mjs) once the elements bundle is written, so
 * that `npm run build` refreshes it.
 */
const customElementsManifest = {
  name: 'custom-elements-manifest',
  async writeBundle() {
    await promisify(execFile)('node_modules/.bin/cem', ['analyze', '--config', 'custom-elements-manifest.config.mjs']);
  },
};

/** One minified ES module per browser entry, with a source map. */
const bundle = (input, file, ...extra) => ({
  input,
  output: {
    file: `dist/browser/${file}`,
    format: 'es',
    sourcemap: true,
    plugins: [terser({ module: true, compress: { passes: 2 } })],
  },
  plugins: [
    nodeResolve({ browser: true }),
    esbuild({ target: 'es2022', tsconfig: 'tsconfig.json' }),
    defineHasSideEffects,
    ...extra,
  ],
});

export default [
  bundle('src/index.ts', 'realtime.js'),
  bundle('src/define/browser.ts', 'rt-elements.js', customElementsManifest),
];
