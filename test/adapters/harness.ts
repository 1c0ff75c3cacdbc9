/**
 * What the adapter browser tests share: a client on the mock gateway under a fake clock, a look at the wire
 * (the `sub`/`unsub` frames the gateway double received), and the problems the clients told their `logger`
 * (recorded for the tests to assert, instead of the console warning a client without a `logger` prints).
 */
import { createClient } from '../../src/core/client.js';
import type { Client, ClientOptions, RealtimeError } from '../../src/core/types.js';
import { installClock, type FakeClock } from '../helpers/fake-clock.js';
import { fakeAuth, FakeWebSocket, MockGateway } from '../helpers/mock-gateway.js';

/** The linger the tests use (ms): long enough to tell "before" from "after" on the fake clock. */
export const LINGER = 100;

/** A mock gateway, a fake clock, and clients made against them; `stop()` undoes it all. */
export interface Harness {
  gw: MockGateway;
  clock: FakeClock;
  /** Options for `createClient` that reach the mock gateway (for providers that create their own client). */
  options: ClientOptions;
  /** The errors the clients told once each as a `problem` (their `logger` is the harness's), oldest first. */
  problems: RealtimeError[];
  /** A connected client (WebSocket only, `linger` = {@link LINGER}). */
  client(extra?: Partial<ClientOptions>): Client;
  /**
   * Moves the fake clock in small steps until `done()` holds (at most `limit` ms of fake time), for what the
   * core's policy times (reconnection backoff) rather than the adapter.
   */
  until(done: () => boolean, limit?: number): Promise<void>;
  /** The `sub`/`unsub` frames received so far, over every connection, as `sub kpis.s2` strings. */
  wire(): string[];
  stop(): void;
}

export function harness(): Harness {
  const clock = installClock();
  const gw = new MockGateway({ forbidden: ['secret.topic'] });
  const clients: Client[] = [];
  const problems: RealtimeError[] = [];
  const options: ClientOptions = {
    url: gw.url,
    auth: fakeAuth().auth,
    WebSocket: FakeWebSocket,
    transports: ['websocket'],
    linger: LINGER,
    scopes: ['ops.admin'],
    logger: (_level, event, data) => void (event === 'problem' && problems.push(data as RealtimeError)),
  };
  return {
    gw,
    clock,
    options,
    problems,
    client(extra) {
      const c = createClient({ ...options, ...extra });
      clients.push(c);
      return c;
    },
    async until(done, limit = 60_000) {
      for (let t = 0; !done() && t < limit; t += 50) await clock.tick(50);
    },
    wire: () =>
      gw.connections.flatMap((c) =>
        c.received.flatMap((f) => (f.type === 'sub' || f.type === 'unsub' ? [`${f.type} ${f.topic}`] : [])),
      ),
    stop() {
      clients.forEach((c) => c.disconnect());
      gw.stop();
      clock.uninstall();
    },
  };
}
