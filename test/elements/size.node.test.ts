/**
 * Size budgets of the web components, gzip -9:
 * - the elements on their own: `src/define/index.ts` (elements, controllers, registration) bundled and minified
 *   by esbuild with Lit (`lit`, `lit/*`, `@lit/*`) and the core (`src/core`, `src/transports`,
 *   `src/protocol`, which has its own budget) left out: ≤ 4 KB;
 * - the self-contained `dist/browser/rt-elements.js` (core + elements + Lit), built in memory by the very
 *   rollup config that `npm run build` uses: ≤ 14 KB.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Plugin } from 'esbuild';
import { rollup, type OutputOptions, type RollupOptions } from 'rollup';
import { gzipLength, measure, report, root } from '../helpers/bundle-size.js';

const KB = 1024;

/** Leaves the core out: it is measured by test/core/size.node.test.ts. */
const coreExternal: Plugin = {
  name: 'core-external',
  setup(b) {
    b.onResolve({ filter: /\/(core|transports|protocol)\// }, (args) => ({ path: args.path, external: true }));
  },
};

describe('size budget: web components', () => {
  it('the elements without Lit and the core stay within 4 KB gzipped', async () => {
    const limit = 4 * KB;
    const { code, gzipped } = await measure('src/define/index.ts', {
      // package.json's sideEffects names dist/, not src/: keep the define calls this entry exists for.
      ignoreAnnotations: true,
      tsconfig: root + 'tsconfig.json',
      external: ['lit', 'lit/*', '@lit/*'],
      plugins: [coreExternal],
    });
    report('elements (no lit, no core)', code.length, gzipped, limit);
    assert.match(Buffer.from(code).toString(), /rt-connection/);
    assert.ok(gzipped <= limit, `${gzipped} B > ${limit} B`);
  });

  it('dist/browser/rt-elements.js (core + elements + Lit) stays within 14 KB gzipped', async () => {
    const limit = 14 * KB;
    process.chdir(root); // the rollup config's paths are relative to the repository
    const configs = (await import(root + 'rollup.config.mjs')).default as RollupOptions[];
    const config = configs.find((c) => (c.output as OutputOptions).file?.endsWith('/rt-elements.js'));
    assert.ok(config, 'rollup.config.mjs builds dist/browser/rt-elements.js');
    const bundle = await rollup({ ...config, onwarn: () => {} });
    const { output } = await bundle.generate(config.output as OutputOptions);
    await bundle.close();
    const code = output[0].code;
    const gzipped = gzipLength(code);
    report('dist/browser/rt-elements.js', code.length, gzipped, limit);
    for (const tag of ['rt-connection', 'rt-topic', 'rt-status', 'rt-feed'])
      assert.ok(code.includes(`"${tag}"`), `registers ${tag}`);
    assert.ok(gzipped <= limit, `${gzipped} B > ${limit} B`);
  });
});
