/**
 * Size budget of the `.` entry (the core: both transports, stores, signing): esbuild, minified ESM, gzip -9.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { measure, report } from '../helpers/bundle-size.js';

const BUDGETS: { entry: string; limit: number }[] = [{ entry: 'src/index.ts', limit: 6 * 1024 }];

describe('size budget', () => {
  for (const { entry, limit } of BUDGETS) {
    it(`${entry} stays within ${limit} bytes gzipped`, async () => {
      const { code, gzipped } = await measure(entry);
      report(entry, code.length, gzipped, limit);
      assert.ok(gzipped <= limit, `${gzipped} B > ${limit} B`);
    });
  }
});
