/**
 * Size budget of each framework adapter beyond the core: esbuild, minified ESM, gzip -9, with the core
 * (`src/core`, `src/index`) and the framework itself left external, so the number is what the adapter adds.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { build, type Plugin } from 'esbuild';

const LIMIT = 1024;
const ENTRIES = ['src/adapters/react.ts', 'src/adapters/vue.ts', 'src/adapters/svelte.ts'];
const root = fileURLToPath(new URL('../../', import.meta.url));

/** Leaves the core out: the application pays for it once, whatever adapter it uses. */
const coreExternal: Plugin = {
  name: 'core-external',
  setup(b) {
    b.onResolve({ filter: /\/(core\/[\w-]+|index)\.js$/ }, ({ path }) => ({ path, external: true }));
  },
};

describe('adapter size budget', () => {
  for (const entry of ENTRIES) {
    it(`${entry} adds under ${LIMIT} bytes gzipped to the core`, async () => {
      const result = await build({
        entryPoints: [root + entry],
        bundle: true,
        minify: true,
        format: 'esm',
        target: 'es2022',
        platform: 'browser',
        external: ['react', 'vue', 'svelte', 'svelte/*'],
        plugins: [coreExternal],
        write: false,
        logLevel: 'silent',
      });
      const code = result.outputFiles[0]!.contents;
      const text = new TextDecoder().decode(code);
      assert.doesNotMatch(text, /createClient\s*\(\s*\{?\s*url|function atom/, 'the core got bundled in');
      const gzipped = gzipSync(code, { level: 9 }).length;
      console.log(`  ${entry}: ${code.length} B minified, ${gzipped} B gzip -9 (budget ${LIMIT})`);
      assert.ok(gzipped <= LIMIT, `${gzipped} B > ${LIMIT} B`);
    });
  }
});
