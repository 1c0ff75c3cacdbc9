/**
 * Browser bundles. The npm entries (`dist/src`, `dist/server`: one ES module per source file, `.d.ts` beside
 * each, `lit` and `@lit/context` left as imports) come from `tsc -p tsconfig.build.json`; this config adds
 * self-contained ES modules a page can load with one `<script type="module">` and no build step:
 *
 * | file | entry | holds |
 * |---|---|---|
 * | `dist/browser/realtime.js` | `src/index.ts` | the core client |
 * | `dist/browser/rt-elements.js` | `src/define/browser.ts` | core + elements + Lit; registers the tags |

Each also has a `-share.js` chunk beside it (`realtime-share.js`, `rt-elements-share.js`): tab sharing (issue 17),
which the client imports only in a page with `BroadcastChannel` and Web Locks.
 *
 * esbuild transpiles (TypeScript itself only type-checks and emits declarations); terser minifies, a few
 * hundred bytes smaller than esbuild's minifier after gzip, and the elements' `css` literals lose their
 * indentation first (no minifier touches template literals). `test/elements/size.node.test.ts` builds these same
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
 * Minifies the elements' styles: the text of each `` css`…` `` literal (without `${}`) in a `*.styles.ts`
 * loses comments, line breaks, indentation and the spaces around `{`, `}`, `;`, `,` and after `:`. A space
 * before `:` (a descendant combinator, as in `:host([x]) :is(…)`) stays.
 */
const minifyCss = (text) =>
  text
    .replace(/\/\*[^]*?\*\//g, '')
    .replace(/\s+/g, ' ')
    .replace(/ ?([{};,]) ?/g, '$1')
    .replace(/: /g, ':')
    .replace(/;}/g, '}')
    .trim();

const cssLiterals = {
  name: 'css-literals',
  transform: (code, id) =>
    id.endsWith('.styles.ts')
      ? { code: code.replace(/\bcss`((?:[^`$]|\$(?!\{))*)`/g, (_, text) => `css\`${minifyCss(text)}\``), map: null }
      : null,
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

/**
 * One minified ES module per browser entry, with a source map. Licence comments of bundled packages are
 * dropped in favour of one `banner` naming them all (eight copies of Lit's were ~100 B of the gzipped bundle).
 */
const bundle = (input, file, { banner, plugins = [] } = {}) => ({
  input,
  output: {
    dir: 'dist/browser',
    entryFileNames: file,
    // Tab sharing is loaded only by a page that can share (`import()` in src/core/client.ts): a file of its own.
    chunkFileNames: file.replace(/\.js$/, '-share.js'),
    format: 'es',
    sourcemap: true,
    banner,
    plugins: [terser({ module: true, compress: { passes: 2 }, format: { comments: /^!/ } })],
  },
  // The share chunk imports what it needs from the entry: letting the entry export more keeps the code in it,
  // instead of moving all of it to a common chunk behind a facade.
  preserveEntrySignatures: 'allow-extension',
  plugins: [
    nodeResolve({ browser: true }),
    cssLiterals,
    esbuild({ target: 'es2022', tsconfig: 'tsconfig.json' }),
    defineHasSideEffects,
    ...plugins,
  ],
});

/** The notice BSD-3-Clause asks a binary to carry, for the Lit packages bundled into the elements. */
const litLicense = '/*! Lit, @lit/context: Copyright 2017-2021 Google LLC, BSD-3-Clause */';

export default [
  bundle('src/index.ts', 'realtime.js'),
  bundle('src/define/browser.ts', 'rt-elements.js', { banner: litLicense, plugins: [customElementsManifest] }),
];
