/**
 * How a topic's messages fold into its `data`. `latest` keeps the last message, `append` a bounded list (event
 * streams), `merge` applies each message as a shallow patch (economy.patch); any function works as a reducer.
 */
import type { MsgFrame } from '../protocol/frames.js';

/**
 * Folds one message into a topic's data.
 * @typeParam T - the topic's data
 * @typeParam M - one message's payload
 * @example const sum: Reducer<number, number> = (total = 0, n) => total + n;
 */
export type Reducer<T, M> = (data: T | undefined, message: M, frame: MsgFrame<M>) => T;

/** The built-in folds by name. */
export type ReduceMode = 'latest' | 'append' | 'merge';

/** The default fold: `data` is the latest message. */
export const latest = <T>(_: T | undefined, message: T): T => message;

/**
 * Keeps the last `limit` messages, oldest first.
 * @example append<Event>(50)
 */
export const append =
  <M>(limit = 100): Reducer<M[], M> =>
  (list = [], message) =>
    [...list, message].slice(-limit);

/**
 * Shallow-merges each message into the data (a patch); a non-object message replaces the data.
 * @example merge({ gold: 1 }, { gems: 2 }) // { gold: 1, gems: 2 }
 */
export const merge = <T>(data: T | undefined, message: Partial<T>): T =>
  isObject(data) && isObject(message) ? { ...data, ...message } : (message as T);

const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);
