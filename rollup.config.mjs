/**
 * Browser bundles. The npm entries (`dist/src`, `dist/server`) come from `tsc -p tsconfig.build.json`; this
 * config adds self-contained ES modules a page can load with one `<script type="module">` and no build step.
 * esbuild transpiles (TypeScript itself only type-checks and emits declarations).
 */
import { nodeResolve } from '@rollup/plugin-node-resolve';
import esbuild from 'rollup-plugin-esbuild';

/** One minified ES module per browser entry, with a source map. */
const bundle = (input, file) => ({
  input,
  output: { file: `dist/browser/${file}`, format: 'es', sourcemap: true },
  plugins: [nodeResolve({ browser: true }), esbuild({ target: 'es2022', minify: true, tsconfig: 'tsconfig.json' })],
});

export default [bundle('src/index.ts', 'realtime.js')];
