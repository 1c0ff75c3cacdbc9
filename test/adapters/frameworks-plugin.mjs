/**
 * A web-test-runner plugin that lets browser tests use the frameworks the adapters target, without touching
 * how other files are served:
 *
 * - React 19 ships CommonJS only: `react`, `react/jsx-runtime`, `react-dom` and `react-dom/client` are bundled
 *   once at server start by esbuild into ES modules sharing one React instance (split chunks), served under
 *   `/__frameworks/`.
 * - `vue` resolves to its self-contained browser ES build (`vue.esm-browser.js`: no `process`, dev warnings on).
 * - `.svelte` files are compiled on request by `svelte/compiler` (Svelte 5, client, dev), the way a Svelte
 *   app's bundler would; `svelte` and its subpaths resolve to their `browser` builds (the test runner's node
 *   resolution would pick the server ones).
 * - `.tsx` files are transpiled by esbuild with the automatic JSX runtime (what `"jsx": "react-jsx"` means).
 * - In `.tsx`, `.svelte` (and `.ts`) files a relative `./x.js` import finds `./x.ts` or `./x.tsx`, as TypeScript does.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { getRequestFilePath } from '@web/dev-server-core';
import { build, transform } from 'esbuild';
import { compile } from 'svelte/compiler';

const require = createRequire(import.meta.url);
const PREFIX = '/__frameworks/';
/** Bare specifier → served file name (without `.js`). */
const REACT = {
  react: 'react',
  'react/jsx-runtime': 'react-jsx-runtime',
  'react-dom': 'react-dom',
  'react-dom/client': 'react-dom-client',
};

/** Svelte's subpaths that have a `browser` build, as served paths: `svelte` → `/node_modules/svelte/src/index-client.js`. */
function svelteBrowserEntries() {
  const { exports } = require('svelte/package.json');
  const map = {};
  for (const [key, value] of Object.entries(exports)) {
    if (typeof value === 'object' && value.browser)
      map[key.replace(/^\./, 'svelte')] = `/node_modules/svelte/${value.browser.slice(2)}`;
  }
  return map;
}

/** Bundles the React entries as ES modules with explicit named exports (CommonJS has no static names). */
async function bundleReact(rootDir) {
  const result = await build({
    entryPoints: Object.entries(REACT).map(([id, out]) => ({ in: `cjs-entry:${id}`, out })),
    bundle: true,
    splitting: true,
    format: 'esm',
    target: 'es2022',
    outdir: '/frameworks',
    write: false,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"development"' },
    plugins: [
      {
        name: 'cjs-entry',
        setup(b) {
          b.onResolve({ filter: /^cjs-entry:/ }, (args) => ({ path: args.path.slice(10), namespace: 'cjs-entry' }));
          b.onLoad({ filter: /.*/, namespace: 'cjs-entry' }, (args) => {
            const names = Object.keys(require(args.path)).filter(
              (k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default',
            );
            const id = JSON.stringify(args.path);
            return {
              contents: `import m from ${id}; export default m; export const { ${names.join(', ')} } = m;`,
              resolveDir: rootDir,
              loader: 'js',
            };
          });
        },
      },
    ],
  });
  return new Map(result.outputFiles.map((f) => [path.basename(f.path), f.text]));
}

/** @returns {import('@web/test-runner').TestRunnerPlugin} */
export function frameworksPlugin() {
  let rootDir = process.cwd();
  let react;
  const svelte = svelteBrowserEntries();
  return {
    name: 'lydian-frameworks',
    async serverStart({ config }) {
      rootDir = config.rootDir;
      react = bundleReact(rootDir);
      await react;
    },
    resolveImport({ source, context }) {
      if (source in REACT) return `${PREFIX}${REACT[source]}.js`;
      if (source === 'vue') return '/node_modules/vue/dist/vue.esm-browser.js';
      if (source in svelte) return svelte[source];
      if (!/\.(tsx?|svelte)$/.test(context.path) || !source.startsWith('.') || !source.endsWith('.js')) return;
      const dir = path.dirname(getRequestFilePath(context.url, rootDir));
      for (const ext of ['.ts', '.tsx']) {
        const candidate = source.slice(0, -3) + ext;
        if (fs.existsSync(path.join(dir, candidate))) return candidate;
      }
    },
    async serve(context) {
      if (!context.path.startsWith(PREFIX)) return;
      const body = (await react).get(context.path.slice(PREFIX.length));
      return body && { body, type: 'js' };
    },
    resolveMimeType(context) {
      if (/\.(svelte|tsx)$/.test(context.path)) return 'js';
    },
    async transform(context) {
      const filename = getRequestFilePath(context.url, rootDir);
      if (context.path.endsWith('.svelte')) {
        const { js } = compile(String(context.body), { filename, generate: 'client', dev: true });
        return { body: js.code };
      }
      if (context.path.endsWith('.tsx')) {
        const { code } = await transform(String(context.body), {
          loader: 'tsx',
          jsx: 'automatic',
          target: 'es2022',
          sourcemap: 'inline',
          sourcefile: filename,
        });
        return { body: code };
      }
    },
  };
}
