/**
 * Retention by age: deletes whole day files once every entry in them is older than the retention period, after
 * recording the last deleted entry in the anchor so the remaining chain still verifies.
 */
import { unlink } from 'node:fs/promises';
import { AUDIT_VERSION } from './entry.js';
import { DAY_MS, dayStart, listAuditFiles, readAnchor, readTail, writeAnchor } from './files.js';

/** Options of {@link pruneAuditDir}. */
export interface PruneOptions {
  /** Whole days an entry is kept (at least 1). */
  retentionDays: number;
  /** The current time in ms (default `Date.now()`). */
  now?: number;
}

/**
 * Deletes the files of `dir` whose day ended more than `retentionDays` days before `now`: an entry is kept at
 * least `retentionDays` days and at most one day more (plus the time until the next prune). The anchor is
 * written before anything is deleted.
 * @returns the deleted paths, oldest first
 * @throws RangeError for a `retentionDays` below 1
 * @example await pruneAuditDir('/var/log/rt-audit', { retentionDays: 90 });
 */
export async function pruneAuditDir(dir: string, options: PruneOptions): Promise<string[]> {
  const { retentionDays } = options;
  if (!Number.isSafeInteger(retentionDays) || retentionDays < 1)
    throw new RangeError('retentionDays must be a whole number ≥ 1');
  const cutoff = (options.now ?? Date.now()) - retentionDays * DAY_MS;
  const expired = (await listAuditFiles(dir)).filter((f) => dayStart(f.day) + DAY_MS <= cutoff);
  if (expired.length === 0) return [];

  for (let i = expired.length - 1; i >= 0; i -= 1) {
    const file = expired[i]!;
    const { last } = await readTail(file.path);
    if (!last) continue;
    const previous = await readAnchor(dir);
    if (!previous || previous.seq < last.seq) {
      await writeAnchor(dir, { v: AUDIT_VERSION, seq: last.seq, hash: last.hash, through: file.day });
    }
    break;
  }
  for (const file of expired) await unlink(file.path);
  return expired.map((f) => f.path);
}
