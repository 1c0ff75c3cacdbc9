/**
 * Size budget of the `.` entry (the core: both transports, stores, signing): esbuild, minified ESM, gzip -9.
 *
 * Why 6.5 KB (was 6): issue #14 made the client say what went wrong instead of retrying in silence (the ticket
 * endpoint's and the gateway URL's answers described in `status.error`, each told once, a deadline for `hello`):
 * +455 B, 5 611 → 6 066 B, which left 78 B under 6 KB. The budget keeps room for the next change to be measured
 * rather than squeezed.
 *
 * Why 7 KB (was 6.5): issue #17 shares one connection among a browser's tabs. The sharing itself is a chunk the
 * client loads with `import()` only in a page that can share (`src/share/index.ts`, budget below, measured as
 * an application's bundler splits it); what stays in the entry is the hook: the import, the leader-or-follower
 * decision before a ticket is fetched, `status.shared`, the `share` option: +228 B, 6 560 → 6 788 B. Built as
 * a page loads it without a build step (`dist/browser/realtime.js`: rollup and terser), the core stays within
 * 6.5 KB (6 436 B), which the second test holds it to.
 *
 * Why 6.625 KB for `dist/browser/realtime.js` (was 6.5; the entry's 7 KB held): issue #19 made latency and
 * payloads something the client can check. `topic(name, { schema })` validates each message with a Standard
 * Schema, counts a refused one in `stats.invalid` and says it once with its issue paths (and a clear `TypeError`
 * for a schema that is none, a clear refusal for an asynchronous one); `stats.latencyMs` is corrected by the
 * clock offset that `hello`'s `now` gives: +288 B, 6 459 → 6 747 B (the entry 6 811 → 7 109 B). A rolling p95 of
 * the latency (+~90 B) was left out for it: the gateway's delivery histogram gives the p95 across all clients.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Plugin } from 'esbuild';
import { buildBrowserBundle, gzipLength, measure, measureSplit, report } from '../helpers/bundle-size.js';

const BUDGETS: { entry: string; limit: number }[] = [{ entry: 'src/index.ts', limit: 7 * 1024 }];

/** Leaves the lazily imported sharing out, as a bundler that splits code does. */
const sharingApart: Plugin = {
  name: 'sharing-apart',
  setup(b) {
    b.onResolve({ filter: /\/share\/index\.js$/ }, (args) => ({ path: args.path, external: true }));
  },
};

describe('size budget', () => {
  for (const { entry, limit } of BUDGETS) {
    it(`${entry} stays within ${limit} bytes gzipped`, async (t) => {
      const { code, gzipped } = await measure(entry, { plugins: [sharingApart] });
      report(entry, code.length, gzipped, limit, t);
      assert.ok(gzipped <= limit, `${gzipped} B > ${limit} B`);
    });
  }

  it('dist/browser/realtime.js, the core a page loads without a build step, stays within 6.625 KB gzipped', async (t) => {
    const limit = 6.625 * 1024;
    const { entry, lazy } = await buildBrowserBundle('realtime.js');
    const gzipped = gzipLength(entry.code);
    report('dist/browser/realtime.js', entry.code.length, gzipped, limit, t);
    assert.deepEqual(
      lazy.map((c) => c.fileName),
      ['realtime-share.js'],
    );
    assert.ok(gzipped <= limit, `${gzipped} B > ${limit} B`);
  });

  it('tab sharing, a chunk loaded only where tabs can share, stays within 5.5 KB gzipped', async (t) => {
    const limit = 5.5 * 1024;
    const { lazy } = await measureSplit('src/index.ts');
    assert.equal(lazy.size, 1, `one lazy chunk: ${[...lazy.keys()].join(', ')}`);
    const [[name, { bytes, gzipped }]] = [...lazy] as [[string, { bytes: number; gzipped: number }]];
    report(`sharing (${name})`, bytes, gzipped, limit, t);
    assert.ok(gzipped <= limit, `${gzipped} B > ${limit} B`);
  });
});
