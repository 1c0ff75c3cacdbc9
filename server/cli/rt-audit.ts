#!/usr/bin/env node
/**
 * `rt-audit`: checks and trims the gateway's audit log. `verify` prints `ok: …` and the head (`seq hash`) to keep
 * elsewhere, or `tampered: file:line: reason` on stderr. `--textfile` also leaves the outcome for node_exporter's
 * textfile collector (the alerts RtAuditChainBroken, RtAuditVerifyStale). `rt-audit --help` lists the flags.
 */
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { HASH } from '../ops/audit/hash.js';
import { pruneAuditDir } from '../ops/audit/retention.js';
import { formatProblem, verifyAuditLog } from '../ops/audit/verify.js';
import { CliError, defineCommand, runCli, UsageError } from './args.js';

const DEFAULT_DAYS = 90;

const cli = defineCommand({
  name: 'rt-audit',
  summary: "checks the gateway's audit log (the hash chain) and deletes day files past retention.",
  usage: ['rt-audit verify <file|dir> [--head <hash>] [--textfile <path>]', 'rt-audit prune <dir> [--days <n>]'],
  positionals: true,
  flags: {
    head: {
      type: 'string',
      value: '<hash>',
      defaultHelp: 'none',
      help: 'verify: also fail unless the log still holds this entry (no cut tail)',
    },
    textfile: {
      type: 'string',
      value: '<path>',
      defaultHelp: 'none',
      help: 'verify: also write the outcome here for node_exporter (a .prom file)',
    },
    days: {
      type: 'string',
      value: '<n>',
      defaultHelp: String(DEFAULT_DAYS),
      help: 'prune: delete the day files older than this many days',
    },
  },
  examples: [
    'rt-audit verify /var/log/rt-audit',
    'rt-audit verify /var/log/rt-audit --head "$(cat /backup/rt-audit.head)"',
    'rt-audit verify /var/log/rt-audit --textfile /var/lib/node_exporter/textfile/rt_audit.prom',
    'rt-audit prune /var/log/rt-audit --days 90',
  ],
  notes:
    'verify prints "ok: N entries in F file(s); head <seq> <hash>" (keep the hash off-host for --head).\n' +
    'verify --textfile replaces the file at once (a temporary file renamed over it) with rt_audit_verify_ok\n' +
    '(1 intact, 0 tampered or unreadable) and rt_audit_verify_timestamp_seconds (when it ran), in Prometheus format.\n' +
    'Exit codes: 0 intact (or pruned), 1 tampered or unreadable (the reason on stderr), 2 usage.',
});

/** Whether `path` is a directory. */
async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new CliError(
      code === 'ENOENT' ? `no such file or directory: ${path}` : `cannot read ${path}: ${String(code)}`,
    );
  }
}

/** The outcome of a verification in Prometheus text format, as node_exporter's textfile collector reads it. */
function textfileMetrics(ok: boolean, at: Date): string {
  return [
    '# HELP rt_audit_verify_ok Whether the last rt-audit verify found the audit chain intact (1) or not (0).',
    '# TYPE rt_audit_verify_ok gauge',
    `rt_audit_verify_ok ${ok ? 1 : 0}`,
    '# HELP rt_audit_verify_timestamp_seconds When the last rt-audit verify ran, in seconds since the epoch.',
    '# TYPE rt_audit_verify_timestamp_seconds gauge',
    `rt_audit_verify_timestamp_seconds ${Math.floor(at.getTime() / 1000)}`,
    '',
  ].join('\n');
}

/**
 * Replaces `path` at once: the collector may read it at any moment, and must never see half a file. The temporary
 * file sits beside it (same filesystem, so the rename is atomic) with a name the collector skips (not `*.prom`).
 */
async function writeTextfile(path: string, ok: boolean): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, textfileMetrics(ok, new Date()), { mode: 0o644 });
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw new CliError(`cannot write ${path}: ${String((error as { code?: unknown }).code ?? error)}`);
  }
}

await runCli(cli, async ({ positionals, values }) => {
  const [command, target, ...extra] = positionals;
  if (command === undefined) throw new UsageError('name a command: verify or prune');
  if (command !== 'verify' && command !== 'prune') throw new UsageError(`unknown command ${command}`);
  if (target === undefined)
    throw new UsageError(`${command} needs the audit ${command === 'verify' ? 'file or ' : ''}directory`);
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra.join(' ')}`);

  if (command === 'verify') {
    if (values.days !== undefined) throw new UsageError('--days goes with prune');
    if (values.head !== undefined && !HASH.test(values.head))
      throw new UsageError('--head must be a SHA-256 hex digest');
    const textfile = values.textfile;
    // The collector reads only *.prom files: any other name would be written and never seen.
    if (textfile !== undefined && !textfile.endsWith('.prom'))
      throw new UsageError('--textfile must name a .prom file (the textfile collector reads only those)');
    let ok = false;
    try {
      await isDirectory(target);
      const result = await verifyAuditLog(target, values.head === undefined ? {} : { head: values.head });
      if (result.problem) {
        process.stderr.write(`tampered: ${formatProblem(result.problem)}\n`);
        return 1;
      }
      const head = result.head ? `; head ${result.head.seq} ${result.head.hash}` : '';
      process.stdout.write(`ok: ${result.entries} entries in ${result.files.length} file(s)${head}\n`);
      for (const note of result.notes) process.stdout.write(`note: ${note}\n`);
      ok = true;
      return 0;
    } finally {
      // A log that cannot be read is not a verified one: 0 too, so the alert fires either way.
      if (textfile !== undefined) await writeTextfile(textfile, ok);
    }
  }

  if (values.head !== undefined) throw new UsageError('--head goes with verify');
  if (values.textfile !== undefined) throw new UsageError('--textfile goes with verify');
  const days = values.days ?? String(DEFAULT_DAYS);
  if (!/^\d+$/.test(days) || Number(days) < 1) throw new UsageError('--days must be a whole number ≥ 1');
  if (!(await isDirectory(target))) throw new UsageError('prune takes the audit directory, not a file');
  const removed = await pruneAuditDir(target, { retentionDays: Number(days) });
  process.stdout.write(`removed ${removed.length} file(s)\n`);
  for (const path of removed) process.stdout.write(`${path}\n`);
  return 0;
});
