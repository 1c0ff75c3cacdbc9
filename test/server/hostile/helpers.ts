/**
 * Shared by the hostile-input suite (issue 8, split by concern in this folder): every case sends something a
 * well-behaved client never would, asserts the answer PROTOCOL.md documents for it, and proves the gateway stays
 * up: a `healthy` client connected before the attack must still answer a round trip and receive a fanned-out
 * message afterwards (and `/health` says ok). Also a raw TCP WebSocket client, to send and read frames no
 * library would.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createConnection, type Socket } from 'node:net';
import type WebSocket from 'ws';
import type { Gateway, GatewayOptions } from '../../../server/gateway.js';
import type { Session } from '../../../server/delivery/session.js';
import { type Closed, type SseReader, TestClient, get, signedQuery, startGateway, wsUrl } from '../helpers.js';

/** The topic the healthy client follows, and the scope it needs. */
export const TOPIC = 'kpis.s2';
export const SCOPE = 'ops.admin';

/** A gateway with a healthy subscriber whose service is checked after (and sometimes during) each attack. */
export interface Arena {
  gw: Gateway;
  healthy: TestClient;
  /** The healthy client still round-trips, receives a fresh fanout, and `/health` answers 200. */
  check(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a gateway (options as `startGateway`) with a healthy client subscribed to `TOPIC`. */
export async function arena(
  options: Partial<GatewayOptions> & { redis?: undefined } = {},
  nowMs?: number,
): Promise<Arena> {
  const gw = await startGateway({ processMetrics: false, ...options });
  let healthy: TestClient;
  try {
    healthy = new TestClient(wsUrl(gw, signedQuery([SCOPE], nowMs === undefined ? {} : { nowMs })));
    await healthy.next('hello');
    healthy.send({ type: 'sub', topic: TOPIC });
    await healthy.next('sub.ok');
  } catch (error) {
    await gw.close();
    throw error;
  }
  let probes = 0;
  return {
    gw,
    healthy,
    async check() {
      await healthy.roundTrip();
      const data = { probe: ++probes };
      gw.fanout(TOPIC, data);
      const msg = await healthy.next('msg');
      assert.deepEqual(msg.data, data, 'the healthy client receives the fanout');
      const health = await get(`${gw.url}/health`);
      assert.equal(health.status, 200);
      assert.equal(JSON.parse(health.body).status, 'ok');
    },
    async close() {
      healthy.ws.terminate();
      await gw.close();
    },
  };
}

/** Runs `attack` in a fresh arena, checks the healthy client, and closes everything. */
export async function inArena(
  options: Partial<GatewayOptions> & { redis?: undefined },
  attack: (a: Arena) => Promise<void>,
  nowMs?: number,
): Promise<void> {
  const a = await arena(options, nowMs);
  try {
    await attack(a);
    await a.check();
  } finally {
    await a.close();
  }
}

/** Connects with a raw query and returns how the gateway closed the socket (no frame may arrive first). */
export async function refusal(gw: Gateway, query: string, options: WebSocket.ClientOptions = {}): Promise<Closed> {
  const client = new TestClient(wsUrl(gw, query), options);
  const closed = await client.closed;
  assert.deepEqual(client.pending(), [], 'a refused connection receives no frame');
  return closed;
}

/** Connects with a raw query; resolves with `'hello'` when accepted, or the close reason. */
export async function outcome(gw: Gateway, query: string): Promise<string> {
  const client = new TestClient(wsUrl(gw, query));
  const result = await Promise.race([
    client.next('hello').then(() => 'hello'),
    client.closed.then((c) => `${c.code} ${c.reason}`),
  ]);
  client.ws.terminate();
  return result;
}

/** Writes `data` on a raw TCP connection and resolves with everything the gateway sent until it closed. */
export function rawHttp(gw: Gateway, data: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection(gw.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.write(data);
  });
}

/** The status code of a raw HTTP answer. */
export function statusOf(answer: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
}

/** The headers of a valid WebSocket upgrade (RFC 6455's sample key), for hand-written requests. */
export const UPGRADE_HEADERS =
  'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';

/** One frame as it came off the wire: FIN and RSV bits, opcode, whether it was masked, the (unmasked) payload. */
export interface WireFrame {
  fin: boolean;
  /** RSV1–3 as a number from 0 to 7 (0 without extensions). */
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/** A hand-rolled WebSocket client over TCP, to send frames no library would. */
export class RawWs {
  status = 0;
  /** Every frame received after the handshake, in order. */
  readonly frames: WireFrame[] = [];
  readonly closed: Promise<void>;
  private buffer = Buffer.alloc(0);
  private headersDone = false;
  private waiters: (() => void)[] = [];
  private done = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
      this.wake();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.done = true;
        this.wake();
        resolve();
      }),
    );
  }

  /** Opens `/rt?query` and waits for `hello`. */
  static async open(gw: Gateway, query: string): Promise<RawWs> {
    const raw = new RawWs(createConnection(gw.port, '127.0.0.1'));
    raw.socket.write(`GET /rt?${query} HTTP/1.1\r\nHost: x\r\n${UPGRADE_HEADERS}\r\n`);
    await raw.until(() => raw.frames.length > 0);
    assert.equal(raw.status, 101);
    assert.equal(JSON.parse(raw.frames[0]?.payload.toString() ?? '').type, 'hello');
    return raw;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private parse(): void {
    if (!this.headersDone) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.status = statusOf(this.buffer.subarray(0, end).toString('latin1'));
      this.buffer = this.buffer.subarray(end + 4);
      this.headersDone = true;
    }
    for (;;) {
      if (this.buffer.length < 2) return;
      const b0 = this.buffer[0] as number;
      const b1 = this.buffer[1] as number;
      const masked = (b1 & 0x80) !== 0;
      let length = b1 & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      // A server must never mask (RFC 6455 §5.1); read a mask anyway so that a masked frame is reported, not misparsed.
      const mask = masked ? this.buffer.subarray(offset, offset + 4) : undefined;
      if (mask) offset += 4;
      if (this.buffer.length < offset + length) return;
      const body = this.buffer.subarray(offset, offset + length);
      const payload = mask ? Buffer.from(body.map((byte, i) => byte ^ (mask[i % 4] as number))) : body;
      this.frames.push({ fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 0x7, opcode: b0 & 0x0f, masked, payload });
      this.buffer = this.buffer.subarray(offset + length);
    }
  }

  /** Bytes received after the last whole frame (a frame still arriving, or garbage). */
  get unparsed(): number {
    return this.buffer.length;
  }

  /** Resolves once `condition` holds, or rejects if the socket closes first. */
  async until(condition: () => boolean): Promise<void> {
    while (!condition()) {
      if (this.done) throw new Error('socket closed');
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Sends one masked frame; `header` overrides the first byte, `announced` the payload length written. */
  send(opcode: number, payload: Buffer, options: { firstByte?: number; announced?: bigint } = {}): void {
    const first = options.firstByte ?? 0x80 | opcode;
    const announced = options.announced ?? BigInt(payload.length);
    let header: Buffer;
    if (announced < 126n) header = Buffer.from([first, 0x80 | Number(announced)]);
    else if (announced < 65536n) {
      header = Buffer.from([first, 0x80 | 126, 0, 0]);
      header.writeUInt16BE(Number(announced), 2);
    } else {
      header = Buffer.alloc(10);
      header[0] = first;
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(announced, 2);
    }
    const mask = randomBytes(4);
    const masked = Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] as number)));
    this.socket.write(Buffer.concat([header, mask, masked]));
  }

  /** The code of the close frame the gateway sent, once the connection is gone. */
  async closeCode(): Promise<number | undefined> {
    await this.closed;
    const close = this.frames.find((f) => f.opcode === 0x8);
    return close && close.payload.length >= 2 ? close.payload.readUInt16BE(0) : undefined;
  }
}

/** The next session the hub accepts. */
export function nextSession(gw: Gateway): Promise<Session> {
  return new Promise((resolve) => gw.hub.once('connect', resolve));
}

/** The type of the first event of an SSE stream (`hello` when the ticket was accepted). */
export const HELLO_SSE = (reader: SseReader): string | undefined => reader.events[0]?.data.type;
