/**
 * The SSE query (PROTOCOL.md §SSE): `topics=a,b` and `since=a:41,b:7:<epoch>`, shared so the client writes
 * exactly what the gateway reads.
 */
import { EPOCH } from './frames.js';
import { isTopicName } from './names.js';

/** Most topics one SSE stream may carry. */
export const MAX_SSE_TOPICS = 64;

/** Where one topic of an SSE stream resumes. */
export interface SseResume {
  since: number;
  epoch?: string;
}

/**
 * Parses `topics=a,b`: 1 to {@link MAX_SSE_TOPICS} distinct, well-formed topic names.
 * @returns the topics, or `undefined` when the list is malformed
 */
export function parseTopicList(value: string): string[] | undefined {
  const topics = value.split(',');
  if (topics.length > MAX_SSE_TOPICS || !topics.every(isTopicName)) return undefined;
  if (new Set(topics).size !== topics.length) return undefined;
  return topics;
}

/**
 * Parses `since=a:41,b:7:<epoch>`. Every entry names a topic at most once; `seq` is decimal digits without
 * leading zeros (at most 15, so it stays a safe integer).
 * @returns resume points by topic, or `undefined` when the list is malformed
 */
export function parseSinceList(value: string): Map<string, SseResume> | undefined {
  const resume = new Map<string, SseResume>();
  if (value === '') return resume;
  for (const entry of value.split(',')) {
    const [topic, seq, epoch, extra] = entry.split(':');
    if (extra !== undefined || !isTopicName(topic) || seq === undefined || !/^(0|[1-9][0-9]{0,14})$/.test(seq)) {
      return undefined;
    }
    if (epoch !== undefined && !EPOCH.test(epoch)) return undefined;
    if (resume.has(topic)) return undefined;
    resume.set(topic, epoch === undefined ? { since: Number(seq) } : { since: Number(seq), epoch });
  }
  return resume;
}

/**
 * Writes a `since` list for the SSE query: one entry per topic that has a resume point; a topic without one
 * (`undefined`: nothing received yet) is left out, and none at all gives the empty string.
 * @example formatSinceList(new Map([['kpis.s2', { since: 41, epoch: 'x1' }], ['b', undefined]])) // 'kpis.s2:41:x1'
 */
export function formatSinceList(resume: Iterable<readonly [string, SseResume | undefined]>): string {
  const entries: string[] = [];
  for (const [topic, r] of resume)
    if (r) entries.push(`${topic}:${r.since}` + (r.epoch === undefined ? '' : `:${r.epoch}`));
  return entries.join(',');
}
