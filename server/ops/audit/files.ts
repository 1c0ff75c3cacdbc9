/**
 * The audit directory's layout: one `audit-YYYY-MM-DD.jsonl` per UTC day, and `audit-anchor.json`, written by
 * retention, naming the last entry it deleted so the verifier knows where the remaining chain must start.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AUDIT_VERSION, type AuditEntry } from './entry.js';
import { HASH } from './hash.js';

const FILE = /^audit-(\d{4}-\d{2}-\d{2})\.jsonl$/;
/** One day in ms. */
export const DAY_MS = 86_400_000;

/** The anchor file's name. */
export const ANCHOR_FILE = 'audit-anchor.json';

/** Where the chain continues after retention deleted files: the last deleted entry. */
export interface AuditAnchor {
  v: typeof AUDIT_VERSION;
  /** `seq` of the last deleted entry. */
  seq: number;
  /** `hash` of the last deleted entry: the oldest remaining entry's `prev`. */
  hash: string;
  /** The newest deleted day (`YYYY-MM-DD`). */
  through: string;
}

/** The UTC day (`YYYY-MM-DD`) of a time in ms. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Milliseconds at the start of a UTC day (`YYYY-MM-DD`). */
export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

/** The file name of a day: `audit-2026-11-27.jsonl`. */
export function fileNameOf(day: string): string {
  return `audit-${day}.jsonl`;
}

/** The day of an audit file name, or `undefined` for any other file. */
export function dayOfFile(name: string): string | undefined {
  const day = FILE.exec(name)?.[1];
  return day !== undefined && utcDay(dayStart(day)) === day ? day : undefined;
}

/** The audit files of `dir`, oldest first, as `{ day, path }`. */
export async function listAuditFiles(dir: string): Promise<{ day: string; path: string }[]> {
  const names = await readdir(dir);
  const files: { day: string; path: string }[] = [];
  for (const name of names) {
    const day = dayOfFile(name);
    if (day !== undefined) files.push({ day, path: join(dir, name) });
  }
  return files.sort((a, b) => (a.day < b.day ? -1 : 1));
}

/** Whether `value` looks like a chained entry (enough to continue a chain from it). */
export function isChained(value: unknown): value is AuditEntry {
  const e = value as Partial<AuditEntry> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    Number.isSafeInteger(e.seq) &&
    typeof e.hash === 'string' &&
    HASH.test(e.hash)
  );
}

const TAIL_BYTES = 64 * 1024;

/**
 * The last complete, chained entry of a file (read from its last 64 KiB) and whether the file ends with a
 * newline (it does not after a torn write).
 */
export async function readTail(path: string): Promise<{ last: AuditEntry | undefined; endsWithNewline: boolean }> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) return { last: undefined, endsWithNewline: true };
    const length = Math.min(size, TAIL_BYTES);
    const { buffer } = await handle.read(Buffer.alloc(length), 0, length, size - length);
    const text = buffer.toString('utf8');
    const lines = text.split('\n');
    if (length < size) lines.shift(); // probably cut mid-line
    for (let i = lines.length - 1; i >= 0; i -= 1) {
      const line = lines[i];
      if (!line) continue;
      try {
        const parsed: unknown = JSON.parse(line);
        if (isChained(parsed)) return { last: parsed, endsWithNewline: text.endsWith('\n') };
      } catch {
        // a torn or foreign line: look further back
      }
    }
    return { last: undefined, endsWithNewline: text.endsWith('\n') };
  } finally {
    await handle.close();
  }
}

/** The anchor of `dir`, or `undefined` when there is none (nothing was ever pruned). */
export async function readAnchor(dir: string): Promise<AuditAnchor | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, ANCHOR_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const anchor = JSON.parse(text) as Partial<AuditAnchor>;
  const valid = anchor.v === AUDIT_VERSION && Number.isSafeInteger(anchor.seq) && typeof anchor.through === 'string';
  if (!valid || typeof anchor.hash !== 'string' || !HASH.test(anchor.hash))
    throw new Error(`${ANCHOR_FILE}: not an audit anchor`);
  return anchor as AuditAnchor;
}

/** Replaces the anchor atomically (write a temporary file, then rename). */
export async function writeAnchor(dir: string, anchor: AuditAnchor): Promise<void> {
  const temp = join(dir, `.${ANCHOR_FILE}.${process.pid}.${randomBytes(4).toString('hex')}`);
  await writeFile(temp, `${JSON.stringify(anchor)}\n`);
  await rename(temp, join(dir, ANCHOR_FILE));
}

/** Whether a file exists, is not empty and does not end with a newline (a write was torn). */
export async function endsMidLine(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return false;
    const { buffer } = await handle.read(Buffer.alloc(1), 0, 1, size - 1);
    return buffer[0] !== 0x0a;
  } finally {
    await handle.close();
  }
}
