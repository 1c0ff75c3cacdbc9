#!/usr/bin/env node
/**
 * `rt-audit`: checks and trims the gateway's audit log.
 *
 * ```
 * rt-audit verify /var/log/rt-audit                  # the whole chain; exit 0 ok, 1 tampered, 2 usage
 * rt-audit verify /var/log/rt-audit/audit-2026-11-27.jsonl
 * rt-audit verify /var/log/rt-audit --head <hash>    # also: the log still contains this entry (no cut tail)
 * rt-audit prune /var/log/rt-audit --days 90         # delete day files past retention (default 90)
 * ```
 * `verify` prints `ok: …` and the head (`seq hash`) to keep elsewhere, or `file:line: reason` on stderr.
 */
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { HASH } from '../ops/audit/hash.js';
import { pruneAuditDir } from '../ops/audit/retention.js';
import { formatProblem, verifyAuditLog } from '../ops/audit/verify.js';

const USAGE = 'usage: rt-audit verify <file|dir> [--head <hash>] | rt-audit prune <dir> [--days 90]';

function fail(message: string, code: number): never {
  process.stderr.write(`rt-audit: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { head: { type: 'string' }, days: { type: 'string', default: '90' } },
    });
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`, 2);
  }
  const { positionals, values } = parsed;
  const [command, target, ...extra] = positionals;
  if (!target || extra.length > 0 || (command !== 'verify' && command !== 'prune')) fail(USAGE, 2);
  const kind = await stat(target).then(
    (s) => (s.isDirectory() ? 'dir' : 'file'),
    () => fail(`no such file or directory: ${target}`, 2),
  );

  if (command === 'verify') {
    if (values.head !== undefined && !HASH.test(values.head)) fail('--head must be a SHA-256 hex digest', 2);
    const result = await verifyAuditLog(target, values.head === undefined ? {} : { head: values.head });
    if (result.problem) {
      process.stderr.write(`tampered: ${formatProblem(result.problem)}\n`);
      process.exit(1);
    }
    const head = result.head ? `; head ${result.head.seq} ${result.head.hash}` : '';
    process.stdout.write(`ok: ${result.entries} entries in ${result.files.length} file(s)${head}\n`);
    for (const note of result.notes) process.stdout.write(`note: ${note}\n`);
    return;
  }
  if (kind !== 'dir') fail('prune takes the audit directory', 2);
  const days = Number(values.days);
  if (!/^\d+$/.test(values.days) || days < 1) fail('--days must be a whole number ≥ 1', 2);
  const removed = await pruneAuditDir(target, { retentionDays: days });
  process.stdout.write(`removed ${removed.length} file(s)\n`);
  for (const path of removed) process.stdout.write(`${path}\n`);
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error), 2));
