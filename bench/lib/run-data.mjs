// Reading a run's JSON (the file bench/run.mjs writes to bench/results/): server names, medians over rounds,
// and merging several runs when one of them lacks a scenario. Shared by the markdown tables and the charts.
import { readFileSync } from 'node:fs';

/** Display name of each server kind, in the order the tables and charts list them. */
export const KIND_NAMES = {
  gateway: 'Lydian gateway',
  proto: 'gateway prototype',
  raw: 'raw ws floor',
  sio: 'Socket.IO 4',
};

/** Load generator pinned to one core: at ≥ 90 % of it, it (not the server) may be the limit ("LG-bound"). */
export const LG_BOUND = 0.9;

/** The scenarios a run may hold; a run made with `--only=…` leaves the others empty. */
export const SECTIONS = ['fanout', 'max', 'mem', 'slow', 'storm', 'hot'];

/** File name the harness gives a run: `2026-11-27T19-41-58-286Z-final.json`. */
export const runFileName = (run) => `${run.startedAt.replace(/[:.]/g, '-')}-${run.label}.json`;

/** "2026-11-27 19:41 (final)": how tables and charts cite a run. */
export const runTitle = (run) => `${run.startedAt.slice(0, 10)} ${run.startedAt.slice(11, 16)} (${run.label})`;

export const median = (values) => {
  const v = values.filter((x) => x != null).sort((a, b) => a - b);
  if (v.length === 0) return null;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

/** Median over the rounds of one server at one connection count. */
export const medianOf = (rows, kind, n, get) => median(rows.filter((x) => x.kind === kind && x.n === n).map(get));

/** The same, with the smallest and largest round: `{ median, min, max }`, or null when nothing was measured. */
export function spreadOf(rows, kind, n, get) {
  const v = rows
    .filter((x) => x.kind === kind && x.n === n)
    .map(get)
    .filter((x) => x != null);
  if (v.length === 0) return null;
  return { median: median(v), min: Math.min(...v), max: Math.max(...v), rounds: v.length };
}

export const kindsIn = (rows) => {
  const present = new Set(rows.map((x) => x.kind));
  return Object.keys(KIND_NAMES).filter((k) => present.has(k));
};
export const nsIn = (rows) => [...new Set(rows.map((x) => x.n))].sort((a, b) => a - b);

const hasSection = (run, name) => (Array.isArray(run[name]) ? run[name].length > 0 : run[name] != null);

export const readRun = (path) => JSON.parse(readFileSync(path, 'utf8'));

/**
 * Each scenario from the first run that has it: the final run of a session often repeats only some scenarios
 * (`--only=fanout,max`), and the others come from an earlier full run. `sources` says which run gave which.
 */
export function mergeRuns(runs) {
  const [first] = runs;
  const merged = { ...first, sources: {} };
  for (const name of SECTIONS) {
    const from = runs.find((r) => hasSection(r, name));
    merged[name] = from ? from[name] : Array.isArray(first[name]) ? [] : null;
    if (from)
      merged.sources[name] = { run: runTitle(from), file: runFileName(from), params: from.params, rounds: from.rounds };
  }
  return merged;
}
