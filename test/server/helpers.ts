/**
 * Test helpers for the gateway: a gateway on an ephemeral port, signed URLs, a WebSocket client whose frames
 * can be awaited one by one, and an SSE reader over real HTTP.
 */
import { request, type IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import type { ServerFrame } from '../../src/protocol/index.js';
import { ticketQuery } from '../../src/protocol/index.js';
import { issueTicket } from '../../server/admission/tickets.js';
import type { FanoutResult } from '../../server/engines/engine.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../server/gateway.js';
import { silentLogger } from '../../server/ops/log.js';
import type { Clock } from '../../server/clock.js';

export const SECRET = 'test-secret-0123456789abcdef';

/**
 * Limits off: every test connects from 127.0.0.1 in quick succession. The limits have tests of their own.
 */
export const NO_RATE_LIMITS = { connectionsPerIp: false, framesPerConnection: false } as const;

/** Starts a quiet in-memory gateway on a free port. */
export function startGateway(
  options: Partial<GatewayOptions> & { redis?: undefined } = {},
): Promise<Gateway<FanoutResult>> {
  return createGateway({ secret: SECRET, port: 0, logger: silentLogger, rateLimits: NO_RATE_LIMITS, ...options });
}

/** A signed query string for `scopes`. */
export function signedQuery(scopes: string[], options: { secret?: string; nowMs?: number; kid?: string } = {}): string {
  const extra: { nowMs?: number; kid?: string } = {};
  if (options.nowMs !== undefined) extra.nowMs = options.nowMs;
  if (options.kid !== undefined) extra.kid = options.kid;
  return ticketQuery(issueTicket(options.secret ?? SECRET, scopes, extra));
}

/** The WebSocket URL of a gateway with a raw query. */
export function wsUrl(gw: Pick<Gateway, 'url'>, query: string): string {
  return `${gw.url.replace(/^http/, 'ws')}/rt?${query}`;
}

/** A closure code and reason. */
export interface Closed {
  code: number;
  reason: string;
}

/** A WebSocket client whose incoming frames are queued and awaited in order. */
export class TestClient {
  readonly ws: WebSocket;
  readonly closed: Promise<Closed>;
  /** The client side's local port, once the handshake answered (tells the gateway's socket for it apart). */
  localPort: number | undefined;
  private readonly frames: ServerFrame[] = [];
  private waiters: (() => void)[] = [];

  constructor(url: string, options: WebSocket.ClientOptions = {}) {
    this.ws = new WebSocket(url, options);
    this.ws.on('upgrade', (res) => (this.localPort = res.socket.localPort));
    this.ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as ServerFrame);
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => {
        resolve({ code, reason: String(reason) });
        this.wake();
      });
    });
    this.ws.on('error', () => {});
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** The next frame (optionally the next one of `type`, skipping others such as heartbeat pings). */
  async next<T extends ServerFrame['type']>(type?: T): Promise<Extract<ServerFrame, { type: T }>> {
    for (;;) {
      const index =
        type === undefined ? (this.frames.length > 0 ? 0 : -1) : this.frames.findIndex((f) => f.type === type);
      if (index >= 0) return this.frames.splice(index, 1)[0] as Extract<ServerFrame, { type: T }>;
      if (this.ws.readyState === WebSocket.CLOSED)
        throw new Error(`socket closed while waiting for ${type ?? 'a frame'}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Frames received and not yet taken. */
  pending(): ServerFrame[] {
    return [...this.frames];
  }

  /** Sends a frame (an object is JSON-encoded; a string or buffer goes as is). */
  send(frame: object | string | Buffer, binary = false): void {
    this.ws.send(typeof frame === 'object' && !Buffer.isBuffer(frame) ? JSON.stringify(frame) : frame, { binary });
  }

  /** A round trip: `ping` → `pong`. Everything sent before it has been processed once this resolves. */
  async roundTrip(): Promise<void> {
    this.send({ type: 'ping' });
    await this.next('pong');
  }

  close(): Promise<Closed> {
    this.ws.close();
    return this.closed;
  }
}

/** Connects with a fresh ticket for `scopes` and waits for `hello`. */
export async function connect(
  gw: Pick<Gateway, 'url'>,
  scopes: string[],
  options: WebSocket.ClientOptions = {},
): Promise<TestClient> {
  const client = new TestClient(wsUrl(gw, signedQuery(scopes)), options);
  await client.next('hello');
  return client;
}

/** Connects and subscribes; resolves after `sub.ok`. */
export async function subscribed(gw: Pick<Gateway, 'url'>, scopes: string[], topic: string): Promise<TestClient> {
  const client = await connect(gw, scopes);
  client.send({ type: 'sub', topic });
  await client.next('sub.ok');
  return client;
}

/** An HTTP GET that resolves with status, headers and body (for short responses). */
export function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    })
      .on('error', reject)
      .end();
  });
}

/** An open SSE stream whose events are parsed and awaited in order. */
export class SseReader {
  readonly events: { id?: string; data: ServerFrame }[] = [];
  comments = 0;
  status = 0;
  headers: IncomingMessage['headers'] = {};
  readonly ended: Promise<void>;
  readonly opened: Promise<void>;
  private buffer = '';
  private waiters: (() => void)[] = [];
  private res: IncomingMessage | undefined;
  private done = false;

  constructor(url: string, headers: Record<string, string> = {}) {
    let opened!: () => void;
    this.opened = new Promise((resolve) => (opened = resolve));
    let ended!: () => void;
    this.ended = new Promise((resolve) => (ended = resolve));
    const req = request(url, { headers }, (res) => {
      this.res = res;
      this.status = res.statusCode ?? 0;
      this.headers = res.headers;
      opened();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => this.feed(chunk));
      res.on('close', () => {
        this.done = true;
        ended();
        this.wake();
      });
    });
    req.on('error', () => {
      this.done = true;
      opened();
      ended();
      this.wake();
    });
    req.end();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      if (this.status !== 200) continue;
      let id: string | undefined;
      let data: string | undefined;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments += 1;
        else if (line.startsWith('id: ')) id = line.slice(4);
        else if (line.startsWith('data: ')) data = line.slice(6);
      }
      if (data !== undefined)
        this.events.push(
          id === undefined ? { data: JSON.parse(data) as ServerFrame } : { id, data: JSON.parse(data) as ServerFrame },
        );
    }
    this.wake();
  }

  /** The body text of a non-200 answer. */
  get body(): string {
    return this.buffer;
  }

  /** Waits until `count` events have arrived (or the stream ended). */
  async waitFor(count: number): Promise<void> {
    while (this.events.length < count && !this.done) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.events.length < count) throw new Error(`stream ended after ${this.events.length} of ${count} events`);
  }

  /** Waits for a heartbeat comment. */
  async waitForComment(): Promise<void> {
    const start = this.comments;
    while (this.comments === start && !this.done) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.res?.destroy();
  }
}

/** The SSE URL of a gateway. */
export function sseUrl(gw: Pick<Gateway, 'url'>, query: string): string {
  return `${gw.url}/rt/sse?${query}`;
}

/** A clock the test moves by hand; intervals never run on their own (a test calls what they would). */
export class FakeClock implements Clock {
  private readonly intervals = new Map<number, () => void>();
  private nextHandle = 1;
  constructor(public time: number = Date.now()) {}
  now(): number {
    return this.time;
  }
  /** The period of every interval set, in order. */
  readonly periods: number[] = [];
  setInterval(fn: () => void, ms: number): unknown {
    this.periods.push(ms);
    const handle = this.nextHandle++;
    this.intervals.set(handle, fn);
    return handle;
  }
  clearInterval(handle: unknown): void {
    this.intervals.delete(handle as number);
  }
  /** Advances time by `ms`. */
  advance(ms: number): void {
    this.time += ms;
  }
  /** Runs every interval set with `period` ms once (whatever time says: the test decides when they are due). */
  runIntervals(period: number): void {
    this.periods.forEach((ms, i) => {
      if (ms === period) this.intervals.get(i + 1)?.();
    });
  }
}
