/**
 * The operations kit the gateway package ships (issue 19): Prometheus rules (`server/ops/prometheus/`), checked and
 * unit-tested by `promtool` (Debian's `prometheus` package; `.ci/run` installs it), and a Grafana dashboard
 * (`server/ops/grafana/`). Every metric either names is one a real gateway's `/metrics` exposes (or, for the audit
 * chain's verification, one `rt-audit verify --textfile` writes), and every alert links to a section of
 * `server/RUNBOOK.md`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runCli } from '../cli/spawn-cli.js';
import { get, startGateway } from '../helpers.js';

const run = promisify(execFile);
const SERVER = fileURLToPath(new URL('../../../server/', import.meta.url));
const RULES_DIR = join(SERVER, 'ops', 'prometheus');
const RULES = join(RULES_DIR, 'lydian-rules.yml');
const RULE_TESTS = join(RULES_DIR, 'lydian-rules.test.yml');
const DASHBOARD = join(SERVER, 'ops', 'grafana', 'lydian-gateway.json');
const RUNBOOK = join(SERVER, 'RUNBOOK.md');

/** Runs `promtool` with `args` in `cwd`; a missing promtool fails with what to install. */
async function promtool(args: readonly string[], cwd = RULES_DIR): Promise<string> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd });
    return stdout + stderr;
  } catch (error) {
    const { code, stdout, stderr } = error as { code?: unknown; stdout?: string; stderr?: string };
    if (code === 'ENOENT') throw new Error('promtool is not installed: apt-get install prometheus (Debian)');
    throw new Error(`promtool ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

/** The rules file without its comments (they name metrics in prose). */
async function rulesText(): Promise<string> {
  const text = await readFile(RULES, 'utf8');
  return text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n');
}

/** One alerting rule, as the lines of its block. */
interface AlertBlock {
  name: string;
  text: string;
}

/** The alerting rules of the file, each with its block of lines (up to the next rule or group). */
async function alerts(): Promise<AlertBlock[]> {
  const blocks: AlertBlock[] = [];
  let current: AlertBlock | undefined;
  for (const line of (await rulesText()).split('\n')) {
    const start = /^\s*- (alert|record|name): (\S+)/.exec(line);
    if (start) {
      current = start[1] === 'alert' ? { name: start[2] as string, text: '' } : undefined;
      if (current) blocks.push(current);
    } else if (current) current.text += line + '\n';
  }
  return blocks;
}

/** The `rt_*` metric names a PromQL text uses (recording rules, `rt:…`, are not metrics of the gateway). */
function metricNames(promql: string): string[] {
  return [...promql.matchAll(/\brt_[a-z][a-z0-9_]*/g)].map((m) => m[0]);
}

/** The metric names a Prometheus exposition declares (`# TYPE`), with a histogram's and a summary's series. */
function declaredMetrics(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name as string);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

/** A Markdown heading's anchor as GitHub makes it. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** A Grafana panel, as much of it as these tests read. */
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: { expr: string; datasource?: { uid?: string } }[];
  panels?: Panel[];
}

/** The dashboard, and every panel in it (rows' nested panels too). */
async function dashboard(): Promise<{ json: Record<string, unknown>; panels: Panel[] }> {
  const json = JSON.parse(await readFile(DASHBOARD, 'utf8')) as Record<string, unknown> & { panels: Panel[] };
  const panels = json.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  return { json, panels };
}

/** Every PromQL expression of the dashboard: panel targets and template variable queries. */
async function dashboardQueries(): Promise<string[]> {
  const { json, panels } = await dashboard();
  const templating = json['templating'] as { list: { query: { query: string } }[] };
  return [...panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)), ...templating.list.map((v) => v.query.query)];
}

describe('the Prometheus rules', () => {
  it('pass promtool check rules', async () => {
    assert.match(await promtool(['check', 'rules', RULES]), /SUCCESS: \d+ rules found/);
  });

  it('fire when their thresholds are crossed and stay quiet just under them (promtool test rules)', async () => {
    assert.match(await promtool(['test', 'rules', RULE_TESTS]), /SUCCESS/);
  });

  it('have a unit test for every alert', async () => {
    const tests = await readFile(RULE_TESTS, 'utf8');
    const untested = (await alerts()).filter(({ name }) => !tests.includes(`alertname: ${name}\n`));
    assert.deepEqual(
      untested.map((a) => a.name),
      [],
    );
  });

  it('give every alert a severity, a summary, a description and a runbook section that exists', async () => {
    const runbook = await readFile(RUNBOOK, 'utf8');
    const anchors = new Set([...runbook.matchAll(/^#{2,4} (.+)$/gm)].map((m) => anchorOf(m[1] as string)));
    const found = await alerts();
    assert.ok(found.length >= 10, `${found.length} alerts`);
    for (const { name, text } of found) {
      assert.match(text, /\n\s+severity: (critical|warning|info)\n/, `${name}: severity`);
      assert.match(text, /\n\s+summary: \S/, `${name}: summary`);
      assert.match(text, /\n\s+description: \S/, `${name}: description`);
      const runbookUrl = /\n\s+runbook_url: RUNBOOK\.md#([a-z0-9-]+)\n/.exec(text);
      assert.ok(runbookUrl, `${name}: runbook_url`);
      assert.ok(anchors.has(runbookUrl[1] as string), `${name}: RUNBOOK.md has no section #${runbookUrl[1]}`);
    }
  });

  it("hold the seed's targets: p95 delivery latency over 100 ms and over 0.5 % dropped", async () => {
    const text = await rulesText();
    assert.match(text, /expr: rt:delivery_latency_seconds:p95_5m > 0\.1\n/);
    assert.match(text, /expr: rt:delivery_drop_ratio:rate5m > 0\.005\n/);
  });
});

describe('the Grafana dashboard', () => {
  it('is JSON with unique panel ids, on the ${DS_PROMETHEUS} input', async () => {
    const { json, panels } = await dashboard();
    assert.ok((json['schemaVersion'] as number) >= 39);
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, `panel ids repeat: ${ids.join(',')}`);
    const inputs = json['__inputs'] as { name: string; pluginId: string }[];
    assert.deepEqual(
      inputs.map((i) => [i.name, i.pluginId]),
      [['DS_PROMETHEUS', 'prometheus']],
    );
    for (const panel of panels.filter((p) => p.type !== 'row')) {
      assert.equal(panel.datasource?.uid, '${DS_PROMETHEUS}', `${panel.title}: datasource`);
      assert.ok((panel.targets ?? []).length > 0, `${panel.title}: no query`);
    }
  });

  it('has queries Prometheus parses (checked by promtool as recording rules)', async (t) => {
    // Grafana's variables, replaced by what they stand for.
    const queries = (await dashboardQueries()).map((q) =>
      q
        .replaceAll('$__rate_interval', '1m')
        .replaceAll('$__range', '6h')
        .replaceAll('$job', '.*')
        .replaceAll('$instance', '.*')
        .replace(/^label_values\((.+), \w+\)$/, '$1'),
    );
    const dir = await mkdtemp(join(tmpdir(), 'rt-dashboard-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'queries.yml');
    const rules = queries.map((q, i) => `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(q)}\n`);
    await writeFile(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('')}`);
    assert.match(await promtool(['check', 'rules', file], dir), new RegExp(`SUCCESS: ${queries.length} rules found`));
  });
});

describe('the metrics the rules and the dashboard use', () => {
  it("are all in a real gateway's /metrics, or in what rt-audit verify --textfile writes", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'rt-ops-audit-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    // With the audit log on, as its metric exists only then.
    const gw = await startGateway({ audit: { dir } });
    let exposition: string;
    try {
      const res = await get(`${gw.url}/metrics`);
      assert.equal(res.status, 200);
      exposition = res.body;
    } finally {
      await gw.close();
    }
    // The audit chain's verification runs beside the gateway, read by node_exporter's textfile collector.
    const textfile = join(dir, 'rt_audit.prom');
    const verified = await runCli('rt-audit.ts', ['verify', dir, '--textfile', textfile]);
    assert.equal(verified.code, 0, verified.stderr);
    const exposed = new Set([...declaredMetrics(exposition), ...declaredMetrics(await readFile(textfile, 'utf8'))]);
    const used = new Set([...metricNames(await rulesText()), ...(await dashboardQueries()).flatMap(metricNames)]);
    assert.ok(used.size >= 20, `${used.size} metric names found`);
    const missing = [...used].filter((name) => !exposed.has(name));
    assert.deepEqual(missing, [], 'used by the rules or the dashboard, absent from /metrics');
  });
});
