import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { AuditLog, GENESIS, entryHash, type AuditEntry } from '../../../../server/ops/audit/index.js';
import { pruneAuditDir } from '../../../../server/ops/audit/retention.js';
import { verifyAuditLog } from '../../../../server/ops/audit/verify.js';
import { silentLogger } from '../../../../server/ops/log.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const FILES = ['audit-2026-11-27.jsonl', 'audit-2026-11-28.jsonl', 'audit-2026-11-29.jsonl'];

/** A log over three days: start + 4 events a day + stop (14 entries). */
async function writeLog(dir: string): Promise<void> {
  let time = T0;
  const audit = await AuditLog.open({ dir, now: () => time, logger: silentLogger, retentionDays: 0 });
  for (let day = 0; day < 3; day += 1) {
    time = T0 + day * DAY;
    for (let i = 0; i < 4; i += 1) {
      audit.record({ event: 'refuse', transport: 'websocket', reason: `reason-${day}-${i}`, code: 4401 });
      await audit.flush();
    }
  }
  await audit.close();
}

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8').trim().split('\n');
const write = (dir: string, file: string, lines: string[]) =>
  writeFileSync(join(dir, file), lines.map((l) => `${l}\n`).join(''));
/** Rewrites one line of a file. */
function edit(dir: string, file: string, change: (lines: string[]) => string[]): void {
  write(dir, file, change(read(dir, file)));
}
/** An entry with a field changed and (optionally) its own hash recomputed. */
function rehash(line: string, change: (e: AuditEntry) => void, recompute = true): string {
  const entry = JSON.parse(line) as AuditEntry;
  change(entry);
  if (recompute) entry.hash = entryHash(entry);
  return JSON.stringify(entry);
}

describe('verifyAuditLog', () => {
  let dir: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rt-audit-verify-'));
    await writeLog(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function problem(options = {}) {
    const result = await verifyAuditLog(dir, options);
    assert.equal(result.ok, false, 'tampering must be detected');
    return { file: result.problem!.file.split('/').at(-1), line: result.problem!.line, reason: result.problem!.reason };
  }

  it('accepts an intact log and reports its head', async () => {
    const result = await verifyAuditLog(dir);
    assert.equal(result.ok, true);
    assert.equal(result.entries, 14);
    assert.deepEqual(readdirSync(dir).sort(), FILES);
    const last = JSON.parse(read(dir, FILES[2]!).at(-1)!) as AuditEntry;
    assert.deepEqual(result.head, { seq: 14, hash: last.hash });
  });

  it('detects an edited entry at its line', async () => {
    edit(dir, FILES[1]!, (lines) => lines.map((l, i) => (i === 2 ? l.replace('reason-1-2', 'reason-1-X') : l)));
    const p = await problem();
    assert.deepEqual([p.file, p.line], [FILES[1], 3]);
    assert.match(p.reason, /edited/);
  });

  it('detects an edited entry whose own hash was recomputed at the next line', async () => {
    edit(dir, FILES[0]!, (lines) => lines.map((l, i) => (i === 1 ? rehash(l, (e) => (e.reason = 'innocent')) : l)));
    const p = await problem();
    assert.deepEqual([p.file, p.line], [FILES[0], 3]);
    assert.match(p.reason, /prev does not match/);
  });

  it('detects a deleted entry', async () => {
    edit(dir, FILES[1]!, (lines) => lines.filter((_, i) => i !== 1));
    const p = await problem();
    assert.deepEqual([p.file, p.line], [FILES[1], 2]);
    assert.match(p.reason, /seq 8 after seq 6: seq 7 missing/);
  });

  it('detects two entries swapped', async () => {
    edit(dir, FILES[1]!, (lines) => [lines[0]!, lines[2]!, lines[1]!, lines[3]!]);
    const p = await problem();
    assert.deepEqual([p.file, p.line], [FILES[1], 2]);
    assert.match(p.reason, /moved later/);
  });

  it('detects a duplicated entry', async () => {
    edit(dir, FILES[1]!, (lines) => [lines[0]!, lines[0]!, ...lines.slice(1)]);
    const p = await problem();
    assert.deepEqual([p.file, p.line], [FILES[1], 2]);
    assert.match(p.reason, /duplicated/);
  });

  it('detects an inserted line that is not an entry, and an entry with an undocumented field', async () => {
    edit(dir, FILES[0]!, (lines) => [...lines.slice(0, 2), 'hello', ...lines.slice(2)]);
    assert.deepEqual(await problem(), {
      file: FILES[0],
      line: 3,
      reason: 'not a JSON entry (a torn write, or an inserted line)',
    });
    await writeLog((rmSync(dir, { recursive: true }), dir));
    edit(dir, FILES[0]!, (lines) =>
      lines.map((l, i) => (i === 1 ? rehash(l, (e) => Object.assign(e, { ip: '10.0.0.1' })) : l)),
    );
    assert.deepEqual(await problem(), {
      file: FILES[0],
      line: 2,
      reason: 'field "ip" is not allowed in a refuse entry',
    });
  });

  it('detects a deleted file in the middle of the chain', async () => {
    unlinkSync(join(dir, FILES[1]!));
    const p = await problem();
    assert.deepEqual([p.file, p.line], [FILES[2], 1]);
    assert.match(p.reason, /missing/);
  });

  it('detects a cut tail of any file but the newest', async () => {
    edit(dir, FILES[0]!, (lines) => lines.slice(0, -1));
    const p = await problem();
    assert.deepEqual([p.file, p.line], [FILES[1], 1]);
  });

  it('cannot see a cut tail of the newest file alone, but detects it given a head recorded earlier', async () => {
    const { head } = await verifyAuditLog(dir);
    edit(dir, FILES[2]!, (lines) => lines.slice(0, -2));
    assert.equal((await verifyAuditLog(dir)).ok, true);
    const p = await problem({ head: head!.hash });
    assert.match(p.reason, /no entry has hash/);
  });

  it('detects the oldest file deleted without a retention anchor', async () => {
    unlinkSync(join(dir, FILES[0]!));
    const reason = 'the log starts at seq 6 and no retention anchor exists: earlier entries were deleted';
    assert.deepEqual(await problem(), { file: FILES[1], line: 1, reason });
  });

  it('accepts files removed by retention, and detects more removed than the anchor records', async () => {
    const removed = await pruneAuditDir(dir, { retentionDays: 1, now: Date.parse('2026-11-29T12:00:00.000Z') });
    assert.deepEqual(removed, [join(dir, FILES[0]!)]);
    const pruned = await verifyAuditLog(dir);
    assert.equal(pruned.ok, true);
    assert.match(pruned.notes.join(), /continues from the retention anchor \(seq 5/);
    unlinkSync(join(dir, FILES[1]!));
    assert.match((await problem()).reason, /does not continue from the retention anchor/);
  });

  it('detects a forged genesis: the first entry of the chain rewritten to drop its predecessors', async () => {
    edit(dir, FILES[0]!, (lines) => [rehash(lines[1]!, (e) => ((e.prev = GENESIS), (e.seq = 1)))]);
    const p = await problem();
    assert.deepEqual([p.file, p.line], [FILES[1], 1]);
  });

  it('cannot detect a log rewritten wholesale with recomputed hashes, except through a head kept elsewhere', async () => {
    const { head } = await verifyAuditLog(dir);
    let prev = GENESIS;
    for (const file of FILES) {
      edit(dir, file, (lines) =>
        lines.map((l) => {
          const line = rehash(l, (e) => ((e.prev = prev), e.reason === 'reason-1-1' && (e.reason = 'rewritten')));
          prev = (JSON.parse(line) as AuditEntry).hash;
          return line;
        }),
      );
    }
    assert.equal((await verifyAuditLog(dir)).ok, true);
    assert.match((await problem({ head: head!.hash })).reason, /no entry has hash/);
  });

  it('checks a single file on its own, noting that its link to earlier files was not checked', async () => {
    const result = await verifyAuditLog(join(dir, FILES[1]!));
    assert.equal(result.ok, true);
    assert.equal(result.entries, 4);
    assert.match(result.notes.join(), /starts at seq 6: single file/);
  });
});
