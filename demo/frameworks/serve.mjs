/**
 * Serves the framework examples on http://localhost:3200/ (React, Vue, Svelte), bundled on the fly by esbuild
 * from this folder. They talk to the gateway of `npm start` (demo mode, http://localhost:3100): its demo ticket
 * endpoint signs any scope and its publisher feeds the seed topics.
 *
 *   npm start                              # terminal 1: gateway + publisher on :3100
 *   node demo/frameworks/serve.mjs         # terminal 2: examples on :3200 (PORT=… to change)
 *
 * `@lydian/realtime/*` imports resolve to this checkout's sources, as they would to the package once installed.
 */
import { fileURLToPath } from 'node:url';
import { context } from 'esbuild';
import { compile } from 'svelte/compiler';
import { readFile } from 'node:fs/promises';

const here = fileURLToPath(new URL('.', import.meta.url));
const src = fileURLToPath(new URL('../../src/', import.meta.url));

/** `@lydian/realtime` → src/index.ts, `@lydian/realtime/react|vue|svelte` → src/adapters/*.ts. */
const thisPackage = {
  name: 'lydian-realtime-from-source',
  setup(b) {
    b.onResolve({ filter: /^@lydian\/realtime(\/(react|vue|svelte))?$/ }, ({ path }) => {
      const sub = path.split('/')[2];
      return { path: sub ? `${src}adapters/${sub}.ts` : `${src}index.ts` };
    });
  },
};

/** Compiles `.svelte` files with Svelte 5, as a Svelte app's bundler would. */
const svelte = {
  name: 'svelte',
  setup(b) {
    b.onLoad({ filter: /\.svelte$/ }, async ({ path }) => {
      const { js } = compile(await readFile(path, 'utf8'), { filename: path, generate: 'client' });
      return { contents: js.code, loader: 'js', resolveDir: here + 'svelte' };
    });
  },
};

const ctx = await context({
  entryPoints: ['react/main.jsx', 'vue/main.js', 'svelte/main.js'].map((e) => here + e),
  outdir: here,
  outbase: here,
  entryNames: '[dir]/[name].bundle',
  bundle: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  sourcemap: true,
  conditions: ['browser', 'development'],
  // Vue templates are compiled in the page (the full build); an app would precompile its .vue files.
  alias: { vue: 'vue/dist/vue.esm-bundler.js' },
  define: {
    'process.env.NODE_ENV': '"development"',
    __VUE_OPTIONS_API__: 'true',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
  },
  plugins: [thisPackage, svelte],
  logLevel: 'info',
});
const port = Number(process.env.PORT ?? 3200);
const { hosts } = await ctx.serve({ servedir: here, port });
console.log(
  `Framework examples: http://${hosts[0] === '0.0.0.0' ? 'localhost' : hosts[0]}:${port}/ (gateway expected on :3100)`,
);
