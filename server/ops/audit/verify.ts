/**
 * Verifies an audit log: a directory of day files (the whole chain, from genesis or the retention anchor) or a
 * single file (its own chain only). Stops at the first problem and says where (`file:line`) and why.
 *
 * Detected: an edited entry (its hash no longer matches), a deleted entry or file inside the chain (the next
 * entry's `prev` and `seq` no longer follow), a reordered, duplicated or inserted entry, a torn or foreign line,
 * files deleted from the start beyond what retention recorded in its anchor, a cut tail of any file but the
 * newest (the next file no longer links to it).
 * Not detected by the log alone: a cut tail of the newest file, or the newest files deleted (pass `head`, a hash
 * recorded earlier, to detect both), and a log rewritten wholesale with recomputed hashes (plain SHA-256 has no
 * secret; keep the printed head somewhere the gateway host cannot write to detect that).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { AuditEntry } from './entry.js';
import { shapeProblem } from './entry-shape.js';
import { ANCHOR_FILE, listAuditFiles, readAnchor, type AuditAnchor } from './files.js';
import { GENESIS, entryHash } from './hash.js';

/** Options of {@link verifyAuditLog}. */
export interface VerifyOptions {
  /** A hash the log must still contain (a head recorded earlier): detects a cut tail. */
  head?: string;
}

/** Where and why verification failed. */
export interface VerifyProblem {
  /** The file, as given or found in the directory. */
  file: string;
  /** 1-based line number (0: the problem is about the log as a whole). */
  line: number;
  /** What is wrong, in words (e.g. a hash that does not match, a `seq` that does not follow). */
  reason: string;
}

/** The outcome of {@link verifyAuditLog}. */
export interface VerifyResult {
  /** Whether the whole log verified; `false` comes with a {@link VerifyProblem} in `problem`. */
  ok: boolean;
  /** Files read, oldest first. */
  files: string[];
  /** Entries that verified before any problem. */
  entries: number;
  /** The last good entry's `seq` and `hash` (record it to detect a cut tail later with `head`). */
  head: { seq: number; hash: string } | undefined;
  /** The first problem, when not ok. */
  problem?: VerifyProblem;
  /** Facts worth knowing even when ok (single-file mode, a chain continuing from the anchor…). */
  notes: string[];
}

interface Start {
  /** Whole-directory mode: the anchor, if any. Single-file mode: `undefined` and `lenient`. */
  anchor: AuditAnchor | undefined;
  lenient: boolean;
}

/**
 * Verifies the log at `target` (a directory or one `.jsonl` file).
 * @example const result = await verifyAuditLog('/var/log/rt-audit'); if (!result.ok) console.error(result.problem);
 */
export async function verifyAuditLog(target: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const isDir = (await stat(target)).isDirectory();
  const files = isDir ? (await listAuditFiles(target)).map((f) => f.path) : [target];
  const result: VerifyResult = { ok: true, files, entries: 0, head: undefined, notes: [] };
  let anchor: AuditAnchor | undefined;
  try {
    anchor = isDir ? await readAnchor(target) : undefined;
  } catch {
    return {
      ...result,
      ok: false,
      problem: { file: join(target, ANCHOR_FILE), line: 0, reason: 'the retention anchor is not readable' },
    };
  }
  const start: Start = { anchor, lenient: !isDir };
  let prev: AuditEntry | undefined;
  let anchorPending = false;
  let headSeen = options.head === undefined;

  const fail = (file: string, line: number, reason: string): VerifyResult => ({
    ...result,
    ok: false,
    problem: { file, line, reason },
  });

  for (const file of files) {
    let line = 0;
    const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
    for await (const text of lines) {
      line += 1;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        lines.close();
        return fail(file, line, text === '' ? 'an empty line' : 'not a JSON entry (a torn write, or an inserted line)');
      }
      const shape = shapeProblem(value);
      if (shape) {
        lines.close();
        return fail(file, line, shape);
      }
      const entry = value as AuditEntry;
      if (entryHash(entry) !== entry.hash) {
        lines.close();
        return fail(file, line, 'the hash does not match the content: the entry was edited');
      }
      const broken = prev ? linkProblem(prev, entry) : startProblem(entry, start, result.notes);
      if (broken) {
        lines.close();
        return fail(file, line, broken);
      }
      if (!prev && start.anchor && entry.seq <= start.anchor.seq) anchorPending = true;
      if (anchorPending && entry.seq === start.anchor?.seq) {
        if (entry.hash !== start.anchor.hash)
          return fail(file, line, 'this entry is not the one the retention anchor recorded');
        anchorPending = false;
      }
      if (entry.hash === options.head) headSeen = true;
      prev = entry;
      result.entries += 1;
      result.head = { seq: entry.seq, hash: entry.hash };
    }
  }
  const last = files.at(-1) ?? String(target);
  if (anchorPending) return fail(last, 0, 'the chain never reaches the entry the retention anchor recorded');
  if (!headSeen) return fail(last, 0, `no entry has hash ${options.head}: the log was cut or rewritten after it`);
  if (!prev && start.anchor)
    result.notes.push(`no entries; retention removed everything through seq ${start.anchor.seq}`);
  return result;
}

/** Why `entry` does not follow `prev`, or `undefined`. */
function linkProblem(prev: AuditEntry, entry: AuditEntry): string | undefined {
  if (entry.seq > prev.seq + 1) {
    const gap = entry.seq - prev.seq > 2 ? `seq ${prev.seq + 1}–${entry.seq - 1}` : `seq ${prev.seq + 1}`;
    return `seq ${entry.seq} after seq ${prev.seq}: ${gap} missing here (deleted, or moved later)`;
  }
  if (entry.seq <= prev.seq) return `seq ${entry.seq} after seq ${prev.seq}: an entry moved earlier, or duplicated`;
  if (entry.prev !== prev.hash)
    return 'prev does not match the hash of the entry before: that entry was rewritten, or this one inserted';
  return undefined;
}

/** Why the first entry cannot start the chain, or `undefined`. */
function startProblem(entry: AuditEntry, start: Start, notes: string[]): string | undefined {
  if (entry.prev === GENESIS && entry.seq === 1) return undefined;
  if (start.lenient) {
    notes.push(
      `${entry.seq > 1 ? `starts at seq ${entry.seq}: ` : ''}single file, its link to earlier files was not checked`,
    );
    return undefined;
  }
  const { anchor } = start;
  if (anchor && entry.prev === anchor.hash && entry.seq === anchor.seq + 1) {
    notes.push(`continues from the retention anchor (seq ${anchor.seq}, files through ${anchor.through} removed)`);
    return undefined;
  }
  if (anchor && entry.seq <= anchor.seq) {
    notes.push(`files older than the retention anchor remain (an interrupted prune?); their start was not checked`);
    return undefined;
  }
  if (anchor)
    return `the chain does not continue from the retention anchor (seq ${anchor.seq}): entries before seq ${entry.seq} are missing`;
  return `the log starts at seq ${entry.seq} and no retention anchor exists: earlier entries were deleted`;
}

/** `file:line` of a problem, the file by its base name. */
export function formatProblem(problem: VerifyProblem): string {
  return `${basename(problem.file)}${problem.line > 0 ? `:${problem.line}` : ''}: ${problem.reason}`;
}
