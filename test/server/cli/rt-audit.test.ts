import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuditLog } from '../../../server/ops/audit/index.js';
import { silentLogger } from '../../../server/ops/log.js';
import { isOneLine, runCli, type CliRun } from './spawn-cli.js';

const DAY = 86_400_000;

/** Runs `rt-audit` with `args`. */
const rtAudit = (...args: string[]): Promise<CliRun> => runCli('rt-audit.ts', args);

/** Writes entries on the day `daysAgo` days before now. */
async function writeDay(dir: string, daysAgo: number): Promise<void> {
  const audit = await AuditLog.open({
    dir,
    now: () => Date.now() - daysAgo * DAY,
    logger: silentLogger,
    retentionDays: 0,
  });
  audit.record({ event: 'refuse', transport: 'websocket', reason: 'bad_sig', code: 4401 });
  await audit.close();
}

describe('rt-audit', () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rt-audit-cli-'));
    await writeDay(dir, 200);
    await writeDay(dir, 0);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('verify exits 0 and prints the entry count and head of an intact log', async () => {
    const { code, stdout } = await rtAudit('verify', dir);
    assert.equal(code, 0);
    assert.match(stdout, /^ok: 6 entries in 2 file\(s\); head 6 [0-9a-f]{64}\n$/);
  });

  it('verify exits 1 and names file:line of a tampered entry', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'rt-audit-cli-tampered-'));
    try {
      for (const name of readdirSync(dir)) {
        writeFileSync(join(copy, name), readFileSync(join(dir, name), 'utf8').replace('bad_sig', 'expired'));
      }
      const { code, stderr } = await rtAudit('verify', copy);
      assert.equal(code, 1);
      assert.match(
        stderr,
        /^tampered: audit-\d{4}-\d{2}-\d{2}\.jsonl:2: the hash does not match the content: the entry was edited\n$/,
      );
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('verify --head exits 1 when the log no longer contains that entry', async () => {
    const { code, stderr } = await rtAudit('verify', dir, '--head', 'a'.repeat(64));
    assert.equal(code, 1);
    assert.match(stderr, /no entry has hash a{64}/);
  });

  it('--help prints the commands, every flag with its default and examples, and exits 0', async () => {
    for (const flag of ['--help', '-h']) {
      const { code, stdout, stderr } = await rtAudit('verify', dir, flag);
      assert.equal(code, 0, flag);
      assert.equal(stderr, '');
      assert.match(stdout, /^rt-audit: checks the gateway's audit log/);
      assert.match(
        stdout,
        /\n {2}rt-audit verify <file\|dir> \[--head <hash>\] \[--textfile <path>\]\n {2}rt-audit prune <dir> \[--days <n>\]\n/,
      );
      assert.match(stdout, /--head <hash> .*\(default: none\)\n/);
      assert.match(stdout, /--textfile <path> .*node_exporter.*\(default: none\)\n/);
      assert.match(stdout, /--days <n> .*\(default: 90\)\n/);
      assert.match(stdout, /-h, --help/);
      assert.match(stdout, /\nExamples:\n {2}rt-audit verify /);
      assert.match(stdout, /Exit codes: 0 .*, 1 .*, 2 usage/);
    }
  });

  it('exits 2 with one line naming the mistake and pointing to --help on usage errors', async () => {
    const usages: [string[], RegExp][] = [
      [[], /name a command: verify or prune/],
      [['verify'], /verify needs the audit file or directory/],
      [['frobnicate', dir], /unknown command frobnicate/],
      [['verify', dir, 'extra'], /unexpected argument extra/],
      [['prune', dir, '--days', '0'], /--days must be a whole number ≥ 1/],
      [['verify', dir, '--days', '3'], /--days goes with prune/],
      [['verify', dir, '--head', 'xyz'], /--head must be a SHA-256 hex digest/],
      [['verify', dir, '--head'], /--head needs a value/],
      [['verify', dir, '--bogus'], /unknown flag --bogus/],
      [['verify', dir, '--textfile', join(dir, 'rt_audit.txt')], /--textfile must name a \.prom file/],
      [['prune', dir, '--textfile', join(dir, 'rt_audit.prom')], /--textfile goes with verify/],
    ];
    const runs = await Promise.all(usages.map(([args]) => rtAudit(...args)));
    runs.forEach(({ code, stdout, stderr }, i) => {
      const [args, reason] = usages[i] as (typeof usages)[number];
      assert.equal(code, 2, `rt-audit ${args.join(' ')}`);
      assert.equal(stdout, '');
      assert.ok(isOneLine(stderr), `one line, no stack trace: ${stderr}`);
      assert.match(stderr, /^rt-audit: .* \(see rt-audit --help\)\n$/);
      assert.match(stderr, reason);
    });
  });

  it('exits 1 with one line when the log is not there or cannot be read', async () => {
    const unreadable = mkdtempSync(join(tmpdir(), 'rt-audit-cli-unreadable-'));
    try {
      mkdirSync(join(unreadable, 'audit-2026-01-01.jsonl')); // a day file that cannot be read, even by root
      const cases: [string[], RegExp][] = [
        [['verify', join(dir, 'missing')], /^rt-audit: no such file or directory: .*missing\n$/],
        [['prune', join(dir, 'missing')], /^rt-audit: no such file or directory: .*missing\n$/],
        [['verify', unreadable], /^rt-audit: EISDIR: illegal operation on a directory/],
      ];
      for (const [args, reason] of cases) {
        const { code, stdout, stderr } = await rtAudit(...args);
        assert.equal(code, 1, `rt-audit ${args.join(' ')}`);
        assert.equal(stdout, '');
        assert.ok(isOneLine(stderr), `one line, no stack trace: ${stderr}`);
        assert.match(stderr, reason);
      }
    } finally {
      rmSync(unreadable, { recursive: true, force: true });
    }
  });

  describe('verify --textfile', () => {
    let out: string;
    before(() => {
      out = mkdtempSync(join(tmpdir(), 'rt-audit-cli-textfile-'));
    });
    after(() => rmSync(out, { recursive: true, force: true }));

    /** The samples of a Prometheus text file, by metric name (HELP and TYPE lines checked on the way). */
    function samples(path: string): Map<string, number> {
      const text = readFileSync(path, 'utf8');
      assert.ok(text.endsWith('\n'), 'ends with a newline, as the text format requires');
      const found = new Map<string, number>();
      for (const line of text.trimEnd().split('\n')) {
        if (line.startsWith('#')) {
          assert.match(line, /^# (HELP|TYPE) rt_audit_verify_\w+ \S/);
          continue;
        }
        const [name, value, ...rest] = line.split(' ');
        assert.deepEqual(rest, [], line);
        found.set(name as string, Number(value));
      }
      assert.match(text, /^# TYPE rt_audit_verify_ok gauge$/m);
      assert.match(text, /^# TYPE rt_audit_verify_timestamp_seconds gauge$/m);
      return found;
    }

    it('writes rt_audit_verify_ok 1 and when it ran for an intact log, replacing the file whole', async () => {
      const path = join(out, 'rt_audit.prom');
      writeFileSync(path, 'rt_audit_verify_ok 0\n'); // a previous run's outcome
      const start = Math.floor(Date.now() / 1000);
      const { code, stdout } = await rtAudit('verify', dir, '--textfile', path);
      const end = Math.ceil(Date.now() / 1000);
      assert.equal(code, 0);
      assert.match(stdout, /^ok: /);
      const written = samples(path);
      assert.deepEqual([...written.keys()], ['rt_audit_verify_ok', 'rt_audit_verify_timestamp_seconds']);
      assert.equal(written.get('rt_audit_verify_ok'), 1);
      const at = written.get('rt_audit_verify_timestamp_seconds') as number;
      assert.ok(Number.isInteger(at) && at >= start && at <= end, `timestamp ${at} in [${start}, ${end}]`);
      assert.deepEqual(readdirSync(out), ['rt_audit.prom'], 'no temporary file left beside it');
    });

    it('writes rt_audit_verify_ok 0 for a tampered log and for one that cannot be read, and exits 1', async () => {
      const tampered = mkdtempSync(join(tmpdir(), 'rt-audit-cli-textfile-tampered-'));
      try {
        for (const name of readdirSync(dir)) {
          writeFileSync(join(tampered, name), readFileSync(join(dir, name), 'utf8').replace('bad_sig', 'expired'));
        }
        for (const target of [tampered, join(dir, 'missing')]) {
          const path = join(out, 'rt_audit.prom');
          const { code, stdout } = await rtAudit('verify', target, '--textfile', path);
          assert.equal(code, 1, target);
          assert.equal(stdout, '');
          assert.equal(samples(path).get('rt_audit_verify_ok'), 0, target);
        }
      } finally {
        rmSync(tampered, { recursive: true, force: true });
      }
    });

    it('exits 1 with one line when the file cannot be written', async () => {
      const path = join(out, 'no-such-dir', 'rt_audit.prom');
      const { code, stderr } = await rtAudit('verify', dir, '--textfile', path);
      assert.equal(code, 1);
      assert.ok(isOneLine(stderr), `one line, no stack trace: ${stderr}`);
      assert.match(stderr, /^rt-audit: cannot write .*rt_audit\.prom: ENOENT\n$/);
    });
  });

  it('prune --days 90 deletes the files past retention and the log still verifies', async () => {
    const pruned = await rtAudit('prune', dir, '--days', '90');
    assert.equal(pruned.code, 0);
    assert.match(pruned.stdout, /^removed 1 file\(s\)\n/);
    assert.equal(readdirSync(dir).filter((n) => n.endsWith('.jsonl')).length, 1);
    const verified = await rtAudit('verify', dir);
    assert.equal(verified.code, 0);
    assert.match(verified.stdout, /note: continues from the retention anchor \(seq 3/);
  });
});
