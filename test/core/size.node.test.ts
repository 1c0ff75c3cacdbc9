/**
 * Size budget of the `.` entry (the core: both transports, stores, signing): esbuild, minified ESM, gzip -9.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { build } from 'esbuild';

const BUDGETS: { entry: string; limit: number }[] = [{ entry: 'src/index.ts', limit: 6 * 1024 }];
const root = fileURLToPath(new URL('../../', import.meta.url));

describe('size budget', () => {
  for (const { entry, limit } of BUDGETS) {
    it(`${entry} stays within ${limit} bytes gzipped`, async () => {
      const result = await build({
        entryPoints: [root + entry],
        bundle: true,
        minify: true,
        format: 'esm',
        target: 'es2022',
        platform: 'browser',
        write: false,
        logLevel: 'silent',
      });
      const code = result.outputFiles[0]!.contents;
      const gzipped = gzipSync(code, { level: 9 }).length;
      console.log(`  ${entry}: ${code.length} B minified, ${gzipped} B gzip -9 (budget ${limit})`);
      assert.ok(gzipped <= limit, `${gzipped} B > ${limit} B`);
    });
  }
});
