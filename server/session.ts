/**
 * Temporary: the old path of `delivery/session.ts`, kept only until the tests written against it
 * (test/server/hostile/helpers.ts, test/server/ws-wire.test.ts) import the new one. Not part of the layout.
 */
export type { Session } from './delivery/session.js';
