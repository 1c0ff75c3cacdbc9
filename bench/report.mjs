#!/usr/bin/env node
// Renders the charts (and, with --md, the markdown tables) of one benchmark run from its JSON.
//   node bench/report.mjs <run.json> [more-run.json …] [--out=bench/charts] [--md]
// With several runs, each scenario comes from the first run that has it (a final run that repeated only some
// scenarios, then the full run before it). bench/run.mjs calls renderReport() at the end of every run with its
// charts beside the JSON in bench/results/; the committed charts in bench/charts/ are rendered from a run
// promoted to bench/baseline/ (see BENCHMARKS.md, "Reproduce").
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCharts } from './lib/charts.mjs';
import { renderMarkdown } from './lib/markdown.mjs';
import { mergeRuns, readRun } from './lib/run-data.mjs';

/** Writes one SVG per chart the runs have data for into `outDir`; returns the paths written. */
export function renderReport(runs, outDir) {
  mkdirSync(outDir, { recursive: true });
  return renderCharts(mergeRuns(runs)).map(({ file, svg }) => {
    const path = join(outDir, file);
    writeFileSync(path, svg);
    return path;
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const files = args.filter((a) => !a.startsWith('--'));
  if (files.length === 0) {
    console.error('usage: node bench/report.mjs <run.json> [more-run.json …] [--out=bench/charts] [--md]');
    process.exit(2);
  }
  const here = fileURLToPath(new URL('.', import.meta.url));
  const outDir = resolve(args.find((a) => a.startsWith('--out='))?.slice(6) ?? join(here, 'charts'));
  const runs = files.map(readRun);
  for (const path of renderReport(runs, outDir)) console.log(`wrote ${relative(process.cwd(), path)}`);
  if (args.includes('--md')) for (const run of runs) console.log(renderMarkdown(run));
}
