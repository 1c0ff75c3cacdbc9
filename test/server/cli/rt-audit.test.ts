import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AuditLog } from '../../../server/ops/audit/index.js';
import { silentLogger } from '../../../server/ops/log.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DAY = 86_400_000;

/** Runs `rt-audit` with `args`; resolves with its exit code and output. */
function rtAudit(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli/rt-audit.ts', ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

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

  it('exits 2 on usage errors', async () => {
    const usages = [
      [],
      ['verify'],
      ['frobnicate', dir],
      ['verify', join(dir, 'missing')],
      ['prune', dir, '--days', '0'],
      ['verify', dir, '--head', 'xyz'],
      ['verify', dir, '--bogus'],
    ];
    for (const args of usages) {
      const { code, stderr } = await rtAudit(...args);
      assert.equal(code, 2, `rt-audit ${args.join(' ')}`);
      assert.match(stderr, /^rt-audit: /);
    }
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
