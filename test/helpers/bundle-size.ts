/**
 * How the size budgets measure an entry: esbuild, bundled, minified ESM for the browser, then gzip -9. Shared by
 * every `size.node.test.ts`, so all budgets are counted the same way.
 */
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions } from 'esbuild';

/** The repository root. */
export const root = fileURLToPath(new URL('../../', import.meta.url));

/** A measured bundle. */
export interface Measured {
  code: Uint8Array;
  gzipped: number;
}

/** Bundles `entry` (relative to the root) with `options` on top of the defaults and measures it. */
export async function measure(entry: string, options: BuildOptions = {}): Promise<Measured> {
  const result = await build({
    entryPoints: [root + entry],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
    ...options,
  });
  const code = result.outputFiles?.[0]?.contents ?? new Uint8Array();
  return { code, gzipped: gzipLength(code) };
}

/** gzip -9 length of `code`. */
export function gzipLength(code: Uint8Array | string): number {
  return gzipSync(code, { level: 9 }).length;
}

/** Where a report goes: the running test (`t` in `it('…', (t) => …)`), so the reporter prints it under the test. */
export interface ReportTarget {
  diagnostic(message: string): void;
}

/**
 * Records the numbers with the test result, so every run shows them: as a diagnostic of the test `t` (the spec
 * reporter prints `ℹ …` under it; TAP and JUnit carry it), or without `t` on stdout.
 */
export function report(name: string, bytes: number, gzipped: number, limit: number, t?: ReportTarget): void {
  const line = `${name}: ${bytes} B minified, ${gzipped} B gzip -9 (budget ${limit})`;
  if (t) t.diagnostic(line);
  else console.log(`  ${line}`);
}
