/**
 * Size budget of each framework adapter beyond the core: esbuild, minified ESM, gzip -9, with the core
 * (`src/core`, `src/index`) and the framework itself left external, so the number is what the adapter adds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Plugin } from 'esbuild';
import { measure, report } from '../helpers/bundle-size.js';

const LIMIT = 1024;
const ENTRIES = ['src/adapters/react.ts', 'src/adapters/vue.ts', 'src/adapters/svelte.ts'];

/** Leaves the core out: the application pays for it once, whatever adapter it uses. */
const coreExternal: Plugin = {
  name: 'core-external',
  setup(b) {
    b.onResolve({ filter: /\/(core\/[\w-]+|index)\.js$/ }, ({ path }) => ({ path, external: true }));
  },
};

describe('adapter size budget', () => {
  for (const entry of ENTRIES) {
    it(`${entry} adds under ${LIMIT} bytes gzipped to the core`, async (t) => {
      const { code, gzipped } = await measure(entry, {
        external: ['react', 'vue', 'svelte', 'svelte/*'],
        plugins: [coreExternal],
      });
      const text = new TextDecoder().decode(code);
      assert.doesNotMatch(text, /createClient\s*\(\s*\{?\s*url|function atom/, 'the core got bundled in');
      report(entry, code.length, gzipped, LIMIT, t);
      assert.ok(gzipped <= LIMIT, `${gzipped} B > ${LIMIT} B`);
    });
  }
});
