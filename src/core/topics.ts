/**
 * The client's topic stores: one per name, ref-counted (wanted on the wire while it has listeners, and for
 * `linger` after the last one left, so a quick unmount and remount does not churn), and the fold of the
 * gateway's topic frames into each store's `TopicState`, each message checked by the topic's schema if it has one.
 */
import type { ClientFrame, MsgFrame, ResetFrame, SubErrFrame, SubOkFrame } from '../protocol/frames.js';
import { isTopicName } from '../protocol/names.js';
import type { SseResume } from '../protocol/sse.js';
import { timer, type Timer } from './backoff.js';
import type { Logger } from './logger.js';
import { append, latest, merge, type Reducer } from './reducers.js';
import { atom, readonly, type WritableStore } from './store.js';
import type { ClientEvents, MessageSchema, TopicOptions, TopicState, TopicStore } from './types.js';

/** One topic as the client holds it. */
export interface TopicEntry {
  name: string;
  store: WritableStore<TopicState<unknown>>;
  /** The read-only face handed out by `client.topic()`. */
  view: TopicStore<unknown>;
  fold: Reducer<unknown, unknown>;
  /** Wanted on the wire: it has listeners, or its last one left less than `linger` ago. */
  active: boolean;
  lingerT: Timer;
  /** `seq` of `sub.ok`: later messages are live (used for latency). */
  liveFrom: number;
  /** Checks each message's payload. */
  schema: MessageSchema<unknown> | undefined;
  /** A refused message was told (once per topic). */
  told?: boolean;
}

/** Tells a problem: `problem` to the `logger`, else `text` as a `[lydian]` console warning. */
export type Tell = (problem: object, text: string) => void;

/** A frame about one topic. */
export type TopicFrame = SubOkFrame | SubErrFrame | ResetFrame | MsgFrame;

/**
 * Creates the entry of topic `name`. Its first listener makes it wanted (`want(entry, true)`), unless it is
 * still lingering; `linger` ms after its last listener left it is not (`want(entry, false)`).
 * @throws TypeError when `name` is not a topic name (PROTOCOL.md §2.1), or `schema` is no Standard Schema
 * @example const e = createEntry('kpis.s2', { reduce: 'merge' }, 1_000, want, report);
 */
export function createEntry(
  name: string,
  opts: TopicOptions<unknown, unknown>,
  linger: number,
  want: (entry: TopicEntry, on: boolean) => void,
  report: (error: unknown) => void,
): TopicEntry {
  if (!isTopicName(name)) throw new TypeError(`invalid topic name: ${name}`);
  const { reduce: r, schema } = opts;
  if (schema && typeof schema['~standard']?.validate !== 'function')
    throw new TypeError(`topic ${name}: schema is no Standard Schema`);
  const lingerT = timer();
  const store = atom<TopicState<unknown>>(
    {
      data: undefined,
      status: 'idle',
      error: null,
      seq: 0,
      epoch: undefined,
      stats: { messagesReceived: 0, lastMessageAt: null, gaps: 0, resets: 0, invalid: 0 },
    },
    () => (lingerT.pending() ? lingerT.clear() : want(entry, true)),
    () => lingerT.set(() => want(entry, false), linger),
    report,
  );
  const entry: TopicEntry = {
    name,
    store,
    view: readonly(store),
    fold:
      typeof r === 'function'
        ? r
        : r === 'append'
          ? (append(opts.limit) as Reducer<unknown, unknown>)
          : r === 'merge'
            ? merge
            : latest,
    active: false,
    lingerT,
    liveFrom: 0,
    schema,
  };
  return entry;
}

/** Merges `p` into the entry's state. */
export const patch = (e: TopicEntry, p: Partial<TopicState<unknown>>): void => e.store.set({ ...e.store.get(), ...p });

/** The `sub` frame of an entry: with `since` and `epoch` once it has a history to resume. */
export const subFrame = (e: TopicEntry): ClientFrame => {
  const { seq, epoch } = e.store.get();
  return { type: 'sub', topic: e.name, ...(epoch !== undefined && { since: seq, epoch }) };
};

/** The active topics and where each resumes (what an SSE stream carries in its URL). */
export function resumePoints(entries: Iterable<TopicEntry>): Map<string, SseResume | undefined> {
  const topics = new Map<string, SseResume | undefined>();
  for (const e of entries) {
    const { seq, epoch } = e.store.get();
    if (e.active) topics.set(e.name, epoch === undefined ? undefined : { since: seq, epoch });
  }
  return topics;
}

/**
 * Folds a frame about `e`'s topic into its store: `sub.ok` makes it live, `sub.err` an error, `reset` adopts
 * the new epoch, `msg` folds into `data` unless it is a duplicate, counting a skipped `seq` as a gap. A message
 * the topic's schema refuses moves `seq` on (it came: no gap, no replay of it on resume) but leaves `data` as it
 * was and counts in `invalid`.
 * @param now - the arrival time (`Date.now()`), recorded as `lastMessageAt`
 * @param tell - where the first refused message of the topic is told
 * @returns whether `f` is a new message, folded in (the caller counts it and emits `message`)
 */
export function receive(
  e: TopicEntry,
  f: TopicFrame,
  now: number,
  log: Logger,
  emit: <K extends 'gap' | 'reset'>(event: K, payload: ClientEvents[K]) => void,
  tell: Tell,
): f is MsgFrame {
  const s = e.store.get();
  switch (f.type) {
    case 'sub.ok':
      e.liveFrom = f.seq;
      patch(e, { status: 'live', error: null, epoch: f.epoch });
      return false;
    case 'sub.err':
      log('warn', 'sub.err', f);
      patch(e, { status: 'error', error: { code: f.code } });
      return false;
    case 'reset':
      log('warn', 'reset', f);
      patch(e, { seq: 0, epoch: f.epoch, stats: { ...s.stats, resets: s.stats.resets + 1 } });
      emit('reset', { topic: f.topic, epoch: f.epoch });
      return false;
  }
  if (s.seq && f.seq <= s.seq) {
    log('debug', 'duplicate', f);
    return false;
  }
  const gap = s.seq > 0 && f.seq > s.seq + 1;
  if (gap) {
    log('warn', 'gap', { topic: f.topic, expected: s.seq + 1, seq: f.seq });
    emit('gap', { topic: f.topic, expected: s.seq + 1, seq: f.seq });
  }
  const checked = e.schema ? check(e, f.data, tell) : { value: f.data };
  const { stats } = s;
  patch(e, {
    data: checked ? e.fold(s.data, checked.value, f) : s.data,
    seq: f.seq,
    stats: {
      messagesReceived: stats.messagesReceived + (checked ? 1 : 0),
      lastMessageAt: checked ? now : stats.lastMessageAt,
      gaps: stats.gaps + (gap ? 1 : 0),
      resets: stats.resets,
      invalid: stats.invalid + (checked ? 0 : 1),
    },
  });
  return !!checked;
}

/**
 * Checks a payload with the entry's schema: its output, or `undefined` when refused. The first refusal of the
 * topic is told with the paths of the issues (keys of the payload, never its values: a validator's messages may
 * quote them).
 */
function check(e: TopicEntry, data: unknown, tell: Tell): { value: unknown } | undefined {
  let at: string;
  try {
    const result = e.schema!['~standard'].validate(data);
    if ('then' in result) {
      result.catch(() => {}); // never an unhandled rejection
      at = 'async: topic() takes sync schemas';
    } else if (!result.issues) return result;
    else
      at = result.issues.map((i) => i.path?.map((p) => String(typeof p === 'object' ? p.key : p)).join('.')).join(', ');
  } catch {
    at = 'it threw'; // not its message: it may quote the data
  }
  if (!e.told) {
    e.told = true;
    const reason = `topic ${e.name}: its schema refused a message (${at})`;
    tell({ topic: e.name, reason }, reason);
  }
  return undefined;
}
