/**
 * How the size budgets measure an entry: esbuild, bundled, minified ESM for the browser, then gzip -9. Shared by
 * every `size.node.test.ts`, so all budgets are counted the same way.
 */
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions } from 'esbuild';
import { rollup, type OutputChunk, type OutputOptions, type RollupOptions } from 'rollup';

/** The repository root. */
export const root = fileURLToPath(new URL('../../', import.meta.url));

/** A measured bundle. */
export interface Measured {
  code: Uint8Array;
  gzipped: number;
}

/** How every budget bundles an entry: minified ESM for the browser, in memory. */
const DEFAULTS: BuildOptions = {
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  write: false,
  logLevel: 'silent',
};

/** Bundles `entry` (relative to the root) with `options` on top of the defaults and measures it. */
export async function measure(entry: string, options: BuildOptions = {}): Promise<Measured> {
  const result = await build({ ...DEFAULTS, entryPoints: [root + entry], ...options });
  const code = result.outputFiles?.[0]?.contents ?? new Uint8Array();
  return { code, gzipped: gzipLength(code) };
}

/** An entry bundled with code splitting: what a page loads at once, and what it loads only when asked. */
export interface MeasuredSplit extends Measured {
  /** The chunks only a dynamic `import()` loads, by name: minified and gzipped bytes. */
  lazy: Map<string, { bytes: number; gzipped: number }>;
}

/**
 * Bundles `entry` with code splitting, as an application's bundler does: `gzipped` counts the entry and the
 * chunks it imports statically (what loading it costs), `lazy` the chunks it loads with `import()`.
 */
export async function measureSplit(entry: string): Promise<MeasuredSplit> {
  const result = await build({
    ...DEFAULTS,
    entryPoints: [root + entry],
    splitting: true,
    outdir: '/measure',
    chunkNames: '[name]-[hash]',
  });
  const files = new Map((result.outputFiles ?? []).map((f) => [f.path.replace('/measure/', ''), f.contents]));
  const name = entry.replace(/^.*\//, '').replace(/\.ts$/, '.js');
  const code = files.get(name) ?? new Uint8Array();
  const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString();
  // Static imports (`from"./x.js"`, `import"./x.js"`) are loaded with the entry; `import("./x.js")` is lazy.
  const eager = new Set<string>([name]);
  for (const file of eager) {
    for (const [, dep] of text(files.get(file) ?? new Uint8Array()).matchAll(/(?:from|import)\s*"\.\/([^"]+)"/g)) {
      if (dep) eager.add(dep);
    }
  }
  const lazy = new Map<string, { bytes: number; gzipped: number }>();
  for (const [file, bytes] of files) {
    if (!eager.has(file) && file.endsWith('.js')) lazy.set(file, { bytes: bytes.length, gzipped: gzipLength(bytes) });
  }
  const gzipped = [...eager].reduce((sum, file) => sum + gzipLength(files.get(file) ?? ''), 0);
  return { code, gzipped, lazy };
}

/**
 * Builds one of `dist/browser`'s bundles in memory, with the very rollup config `npm run build` uses.
 * @param file - the entry's file name (`rt-elements.js`)
 * @returns its entry chunk, and the chunks it loads with `import()`
 */
export async function buildBrowserBundle(file: string): Promise<{ entry: OutputChunk; lazy: OutputChunk[] }> {
  process.chdir(root); // the rollup config's paths are relative to the repository
  const configs = (await import(root + 'rollup.config.mjs')).default as RollupOptions[];
  const config = configs.find((c) => (c.output as OutputOptions).entryFileNames === file);
  if (!config) throw new Error(`rollup.config.mjs builds no dist/browser/${file}`);
  const bundle = await rollup({ ...config, onwarn: () => {} });
  const { output } = await bundle.generate(config.output as OutputOptions);
  await bundle.close();
  const chunks = output.filter((o): o is OutputChunk => o.type === 'chunk');
  return { entry: chunks.find((c) => c.isEntry)!, lazy: chunks.filter((c) => !c.isEntry) };
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
