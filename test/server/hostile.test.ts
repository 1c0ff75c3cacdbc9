/**
 * The hostile-input suite (issue 8): every case sends something a well-behaved client never would, asserts the
 * answer PROTOCOL.md documents for it, and proves the gateway stays up: a `healthy` client connected before the
 * attack must still answer a round trip and receive a fanned-out message afterwards (and `/health` says ok).
 */
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { ticketQuery } from '../../src/protocol/index.js';
import { issueTicket } from '../../server/auth.js';
import type { Gateway, GatewayOptions } from '../../server/gateway.js';
import type { Session } from '../../server/session.js';
import { FakeClock, SECRET, SseReader, TestClient, get, signedQuery, sseUrl, startGateway, wsUrl } from './helpers.js';

// ---------------------------------------------------------------------------------------------------------
// Helpers

/** The topic the healthy client follows, and the scope it needs. */
const TOPIC = 'kpis.s2';
const SCOPE = 'ops.admin';

/** A gateway with a healthy subscriber whose service is checked after (and sometimes during) each attack. */
interface Arena {
  gw: Gateway;
  healthy: TestClient;
  /** The healthy client still round-trips, receives a fresh fanout, and `/health` answers 200. */
  check(): Promise<void>;
  close(): Promise<void>;
}

async function arena(options: Partial<GatewayOptions> & { redis?: undefined } = {}, nowMs?: number): Promise<Arena> {
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
async function inArena(
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
async function refusal(gw: Gateway, query: string, options: WebSocket.ClientOptions = {}) {
  const client = new TestClient(wsUrl(gw, query), options);
  const closed = await client.closed;
  assert.deepEqual(client.pending(), [], 'a refused connection receives no frame');
  return closed;
}

/** Connects with a raw query; resolves with `'hello'` when accepted, or the close reason. */
async function outcome(gw: Gateway, query: string): Promise<string> {
  const client = new TestClient(wsUrl(gw, query));
  const result = await Promise.race([client.next('hello').then(() => 'hello'), client.closed.then((c) => `${c.code} ${c.reason}`)]);
  client.ws.terminate();
  return result;
}

/** `hex(HMAC-SHA256(secret, ts.nonce.connect:scopes))`, for tickets with hand-picked fields. */
function hmacHex(ts: number | string, nonce: string, scopes: string, secret = SECRET): string {
  return createHmac('sha256', secret).update(`${ts}.${nonce}.connect:${scopes}`, 'utf8').digest('hex');
}

/** A correctly signed ticket with hand-picked fields, as raw `name=value` pairs (values encoded by `encode`). */
function handTicket(fields: { ts?: number; nonce?: string; scopes?: string; kid?: string } = {}, encode = encodeURIComponent): string {
  const ts = fields.ts ?? Math.floor(Date.now() / 1000);
  const nonce = fields.nonce ?? randomBytes(16).toString('hex');
  const scopes = fields.scopes ?? SCOPE;
  const pairs = [`ts=${ts}`, `nonce=${encode(nonce)}`, `scopes=${encode(scopes)}`, `sig=${hmacHex(ts, nonce, scopes)}`];
  if (fields.kid !== undefined) pairs.push(`kid=${encode(fields.kid)}`);
  return pairs.join('&');
}

/** A valid ticket's raw query with one parameter's raw (already encoded) value replaced. */
function withRaw(name: string, rawValue: string, scopes: string[] = [SCOPE]): string {
  return signedQuery(scopes)
    .split('&')
    .map((pair) => (pair.startsWith(`${name}=`) ? `${name}=${rawValue}` : pair))
    .join('&');
}

/** Writes `data` on a raw TCP connection and resolves with everything the gateway sent until it closed. */
function rawHttp(gw: Gateway, data: string | Buffer): Promise<string> {
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
function statusOf(answer: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
}

const UPGRADE_HEADERS = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';

/** A hand-rolled WebSocket client over TCP, to send frames no library would. */
class RawWs {
  status = 0;
  readonly frames: { opcode: number; payload: Buffer }[] = [];
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
      const b1 = this.buffer[1] as number;
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
      if (this.buffer.length < offset + length) return;
      this.frames.push({ opcode: (this.buffer[0] as number) & 0x0f, payload: this.buffer.subarray(offset, offset + length) });
      this.buffer = this.buffer.subarray(offset + length);
    }
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

/** Resolves once `condition` holds, checking after each turn of the event loop (bounded). */
async function until(condition: () => boolean, turns = 100_000): Promise<void> {
  for (let turn = 0; !condition(); turn++) {
    if (turn > turns) throw new Error('condition never held');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The next session the hub accepts. */
function nextSession(gw: Gateway): Promise<Session> {
  return new Promise((resolve) => gw.hub.once('connect', resolve));
}

const HELLO_SSE = (reader: SseReader) => reader.events[0]?.data.type;

// ---------------------------------------------------------------------------------------------------------
// Tickets

describe('hostile tickets on /rt (close 4401 with the documented reason)', () => {
  let a: Arena;
  before(async () => {
    a = await arena();
  });
  after(() => a.close());

  const nowS = () => Math.floor(Date.now() / 1000);
  const fullWidth = (s: string) => [...s].map((c) => String.fromCharCode(c.charCodeAt(0) - 0x30 + 0xff10)).join('');
  const arabicIndic = (s: string) => [...s].map((c) => String.fromCharCode(c.charCodeAt(0) - 0x30 + 0x0660)).join('');

  const cases: [string, () => string, string][] = [
    ['a ts with a leading + (encoded as %2B)', () => withRaw('ts', `%2B${nowS()}`), 'bad_ts'],
    ['a ts with a leading + (a space once decoded)', () => withRaw('ts', `+${nowS()}`), 'bad_ts'],
    ['a ts in hexadecimal (0x…)', () => withRaw('ts', `0x${nowS().toString(16)}`), 'bad_ts'],
    ['a ts as a decimal with exponent (1.7e9)', () => withRaw('ts', '1.7e9'), 'bad_ts'],
    ['a ts with a fraction (…​.0)', () => withRaw('ts', `${nowS()}.0`), 'bad_ts'],
    ['a ts in full-width digits', () => withRaw('ts', encodeURIComponent(fullWidth(String(nowS())))), 'bad_ts'],
    ['a ts in Arabic-Indic digits', () => withRaw('ts', encodeURIComponent(arabicIndic(String(nowS())))), 'bad_ts'],
    ['a negative ts of ten characters', () => withRaw('ts', '-170000000'), 'bad_ts'],
    ['a ts with a leading space (%20)', () => withRaw('ts', `%20${nowS()}`), 'bad_ts'],
    ['a ts with a trailing newline (%0A)', () => withRaw('ts', `${nowS()}%0A`), 'bad_ts'],
    ['a ts with a trailing tab (%09)', () => withRaw('ts', `${nowS()}%09`), 'bad_ts'],
    ['a ts with a NUL suffix (%00)', () => withRaw('ts', `${nowS()}%00`), 'bad_ts'],
    ['a ts padded with a leading zero (11 digits)', () => withRaw('ts', `0${nowS()}`), 'bad_ts'],
    ['a ts of 9 digits', () => withRaw('ts', String(nowS()).slice(1)), 'bad_ts'],
    ['an empty ts', () => withRaw('ts', ''), 'bad_ts'],
    ['a ts with an invalid percent escape (%ZZ)', () => withRaw('ts', `${nowS()}%ZZ`), 'bad_ts'],
    ['a nonce of 15 hex characters', () => withRaw('nonce', 'a'.repeat(15)), 'bad_param'],
    ['a nonce of 65 hex characters', () => withRaw('nonce', 'a'.repeat(65)), 'bad_param'],
    ['a nonce in uppercase hex', () => withRaw('nonce', 'ABCDEF0123456789'), 'bad_param'],
    ['a nonce with a junk suffix', () => withRaw('nonce', '0123456789abcdefg'), 'bad_param'],
    ['a nonce with a NUL byte (%00)', () => withRaw('nonce', '0123456789abcdef%00'), 'bad_param'],
    ['a sig with a trailing space (%20)', () => withRaw('sig', `${'0'.repeat(64)}%20`), 'bad_param'],
    ['a sig in full-width hex digits', () => withRaw('sig', encodeURIComponent(fullWidth('0'.repeat(64)))), 'bad_param'],
    ['an empty kid', () => `${signedQuery([SCOPE])}&kid=`, 'bad_param'],
    ['a kid of 65 characters', () => `${signedQuery([SCOPE])}&kid=${'k'.repeat(65)}`, 'bad_param'],
    ['a kid with a path separator', () => `${signedQuery([SCOPE])}&kid=..%2Fkeys`, 'bad_param'],
    ['a well-formed kid of 64 characters the gateway does not hold', () => `${signedQuery([SCOPE])}&kid=${'k'.repeat(64)}`, 'unknown_kid'],
    ['a repeated kid', () => `${signedQuery([SCOPE])}&kid=a&kid=a`, 'bad_param'],
    ['a second ts after a valid one', () => `${signedQuery([SCOPE])}&ts=${nowS()}`, 'bad_param'],
    ['a bare repeated name without a value (&sig)', () => `${signedQuery([SCOPE])}&sig`, 'bad_param'],
    ['a scope of 65 characters', () => withRaw('scopes', 'a'.repeat(65)), 'bad_param'],
    ['33 scopes', () => withRaw('scopes', Array.from({ length: 33 }, (_, i) => `s${i}`).join(',')), 'bad_param'],
    ['an uppercase scope', () => withRaw('scopes', 'OPS.ADMIN'), 'bad_param'],
    ['a trailing comma in scopes', () => withRaw('scopes', 'ops.admin,'), 'bad_param'],
    ['a scope with a + (a space once decoded)', () => withRaw('scopes', 'ops.admin+'), 'bad_param'],
    ['parameter names in another case (TS=, Nonce=)', () => signedQuery([SCOPE]).replace('ts=', 'TS=').replace('nonce=', 'Nonce='), 'missing_param'],
    ['names hidden behind an encoded = (ts%3D…)', () => signedQuery([SCOPE]).replace('ts=', 'ts%3D'), 'missing_param'],
  ];
  for (const [name, query, reason] of cases) {
    it(`refuses ${name} with ${reason}, and keeps serving`, async () => {
      assert.deepEqual(await refusal(a.gw, query()), { code: 4401, reason });
      await a.check();
    });
  }

  it('accepts nonces of exactly 16 and 64 hex characters, scopes of exactly 64 characters and exactly 32 scopes', async () => {
    const scopes32 = Array.from({ length: 32 }, (_, i) => `s${i}`).join(',');
    for (const fields of [{ nonce: 'a'.repeat(15) + '0' }, { nonce: 'f'.repeat(64) }, { scopes: 's'.repeat(64) }, { scopes: scopes32 }]) {
      assert.equal(await outcome(a.gw, handTicket(fields)), 'hello', JSON.stringify(fields));
    }
    await a.check();
  });

  it('ignores a thousand unknown parameters around a valid ticket (9 KB of them)', async () => {
    const junk = (from: number) => Array.from({ length: 500 }, (_, i) => `x${from + i}=${i}`).join('&');
    assert.equal(await outcome(a.gw, `${junk(0)}&${signedQuery([SCOPE])}&${junk(500)}`), 'hello');
    await a.check();
  });

  describe('unicode look-alike scopes, even correctly signed, are bad_param on both transports', () => {
    const lookAlikes: [string, string][] = [
      ['a Cyrillic а', 'ops.\u0430dmin'],
      ['a Greek ο', '\u03bfps.admin'],
      ['full-width letters', '\uff4f\uff50\uff53.admin'],
      ['a zero-width joiner', 'ops.ad\u200dmin'],
      ['a Kelvin sign K lowercased by nobody', 'ops.\u212aadmin'],
      ['a dotless ı', 'ops.adm\u0131n'],
    ];
    for (const [what, scope] of lookAlikes) {
      it(`refuses a scope with ${what}`, async () => {
        const query = handTicket({ scopes: scope });
        assert.deepEqual(await refusal(a.gw, query), { code: 4401, reason: 'bad_param' });
        const sse = await get(sseUrl(a.gw, `${handTicket({ scopes: scope })}&topics=${TOPIC}`));
        assert.equal(sse.status, 401);
        assert.deepEqual(JSON.parse(sse.body), { error: 'bad_param' });
        await a.check();
      });
    }
  });

  describe('scope tampering', () => {
    it('refuses reordered, narrowed and widened scope lists with bad_sig', async () => {
      const ticket = issueTicket(SECRET, ['ops.admin', 'liveops.admin']);
      for (const scopes of ['liveops.admin,ops.admin', 'ops.admin', 'ops.admin,liveops.admin,economy.admin', '']) {
        assert.deepEqual(await refusal(a.gw, ticketQuery({ ...ticket, scopes })), { code: 4401, reason: 'bad_sig' }, scopes);
      }
      await a.check();
    });

    it('refuses a ts moved by one second and a signature moved onto another nonce with bad_sig', async () => {
      const ticket = issueTicket(SECRET, [SCOPE]);
      const other = issueTicket(SECRET, [SCOPE]);
      assert.deepEqual(await refusal(a.gw, ticketQuery({ ...ticket, ts: ticket.ts + 1 })), { code: 4401, reason: 'bad_sig' });
      assert.deepEqual(await refusal(a.gw, ticketQuery({ ...ticket, sig: other.sig })), { code: 4401, reason: 'bad_sig' });
      await a.check();
    });

    it('reads %2C-encoded commas as the very commas that were signed (accepted, same scopes)', async () => {
      const ticket = issueTicket(SECRET, ['ops.admin', 'liveops.admin']);
      const query = ticketQuery(ticket).replace('scopes=ops.admin,liveops.admin', 'scopes=ops.admin%2Cliveops.admin');
      assert.match(query, /%2C/);
      const client = new TestClient(wsUrl(a.gw, query));
      assert.deepEqual((await client.next('hello')).scopes, ['ops.admin', 'liveops.admin']);
      client.ws.terminate();
      await a.check();
    });
  });

  describe('replay', () => {
    it('lets exactly one of 20 simultaneous connections with one ticket in; the other 19 get replay', async () => {
      const query = signedQuery([SCOPE]);
      const results = await Promise.all(Array.from({ length: 20 }, () => outcome(a.gw, query)));
      assert.equal(results.filter((r) => r === 'hello').length, 1);
      assert.deepEqual(results.filter((r) => r !== 'hello'), Array(19).fill('4401 replay'));
      await a.check();
    });

    it('refuses a ticket spent on WebSocket when replayed on SSE, and one spent on SSE when replayed on WebSocket', async () => {
      const wsFirst = signedQuery([SCOPE]);
      assert.equal(await outcome(a.gw, wsFirst), 'hello');
      const sse = await get(sseUrl(a.gw, `${wsFirst}&topics=${TOPIC}`));
      assert.equal(sse.status, 401);
      assert.deepEqual(JSON.parse(sse.body), { error: 'replay' });

      const sseFirst = signedQuery([SCOPE]);
      const stream = new SseReader(sseUrl(a.gw, `${sseFirst}&topics=${TOPIC}`));
      await stream.waitFor(1);
      assert.equal(HELLO_SSE(stream), 'hello');
      assert.equal(await outcome(a.gw, sseFirst), '4401 replay');
      stream.close();
      await a.check();
    });
  });
});

describe('the ticket window with a fake clock', () => {
  const T = 1_700_000_000_000; // a whole second
  const options = () => ({ clock: new FakeClock(T) });

  it('accepts a ts exactly 300 s in the past or the future', async () => {
    await inArena(options(), async ({ gw }) => {
      assert.equal(await outcome(gw, signedQuery([SCOPE], { nowMs: T - 300_000 })), 'hello');
      assert.equal(await outcome(gw, signedQuery([SCOPE], { nowMs: T + 300_000 })), 'hello');
    }, T);
  });

  it('refuses a ts 301 s in the past or the future with stale_ts', async () => {
    await inArena(options(), async ({ gw }) => {
      assert.equal(await outcome(gw, signedQuery([SCOPE], { nowMs: T - 301_000 })), '4401 stale_ts');
      assert.equal(await outcome(gw, signedQuery([SCOPE], { nowMs: T + 301_000 })), '4401 stale_ts');
    }, T);
  });

  it('compares whole seconds: 999 ms into the second, 300 s back is still in and 301 s back is out', async () => {
    const clock = new FakeClock(T + 999);
    await inArena({ clock }, async ({ gw }) => {
      assert.equal(await outcome(gw, signedQuery([SCOPE], { nowMs: T - 300_000 })), 'hello');
      assert.equal(await outcome(gw, signedQuery([SCOPE], { nowMs: T - 301_000 })), '4401 stale_ts');
    }, T);
  });

  it('keeps a replayed ticket out after its nonce is forgotten: by then it is stale_ts', async () => {
    const clock = new FakeClock(T);
    await inArena({ clock }, async ({ gw }) => {
      const query = signedQuery([SCOPE], { nowMs: T });
      assert.equal(await outcome(gw, query), 'hello');
      assert.equal(await outcome(gw, query), '4401 replay');
      clock.advance(300_000);
      assert.equal(await outcome(gw, query), '4401 replay', 'still remembered at the window edge');
      clock.advance(2_000); // past ts + 301 s: the nonce may be forgotten now
      assert.equal(await outcome(gw, query), '4401 stale_ts');
    }, T);
  });
});

describe('keys and kids', () => {
  it('refuses a ticket whose kid was switched to another held key with bad_sig, and an unknown kid with unknown_kid', async () => {
    const keys = [
      { kid: 'k2', secret: 'current-secret-0123456789' },
      { kid: 'k1', secret: 'previous-secret-0123456789' },
    ];
    const gw = await startGateway({ processMetrics: false, keys, secret: undefined });
    try {
      const healthy = new TestClient(wsUrl(gw, signedQuery([SCOPE], { secret: keys[0]!.secret, kid: 'k2' })));
      await healthy.next('hello');
      const signedByK1 = issueTicket(keys[1]!.secret, [SCOPE], { kid: 'k1' });
      assert.equal(await outcome(gw, ticketQuery({ ...signedByK1, kid: 'k2' })), '4401 bad_sig');
      assert.equal(await outcome(gw, ticketQuery({ ...issueTicket(keys[1]!.secret, [SCOPE]), kid: 'K1' })), '4401 unknown_kid');
      assert.equal(await outcome(gw, ticketQuery(issueTicket(keys[1]!.secret, [SCOPE]))), '4401 bad_sig', 'no kid means the current key');
      await healthy.roundTrip();
      healthy.ws.terminate();
    } finally {
      await gw.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// Topics

describe('prototype-named and look-alike topics', () => {
  let a: Arena;
  before(async () => {
    a = await arena();
  });
  after(() => a.close());

  it('answers unknown_topic for __proto__, constructor and prototype, bad_request for toString, hasOwnProperty, valueOf, __defineGetter__', async () => {
    const client = new TestClient(wsUrl(a.gw, signedQuery([SCOPE])));
    await client.next('hello');
    for (const topic of ['__proto__', 'constructor', 'prototype']) {
      client.send({ type: 'sub', topic });
      assert.deepEqual(await client.next(), { type: 'sub.err', topic, code: 'unknown_topic' });
    }
    for (const topic of ['toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
      client.send({ type: 'sub', topic });
      assert.deepEqual(await client.next(), { type: 'sub.err', topic, code: 'bad_request' });
    }
    client.send({ type: 'unsub', topic: '__proto__' });
    assert.deepEqual(await client.next(), { type: 'unsub.ok', topic: '__proto__' });
    client.send({ type: 'unsub', topic: 'constructor' });
    assert.deepEqual(await client.next(), { type: 'unsub.ok', topic: 'constructor' });
    assert.deepEqual(Object.keys(a.gw.stats()).sort(), ['ab.status', 'economy.patch', 'kpis.s2', 'liveops.events', 'total']);
    assert.equal(({} as Record<string, unknown>)['type'], undefined, 'Object.prototype untouched');
    client.ws.terminate();
    await a.check();
  });

  it('serves the real topic of an SSE stream that also asks for __proto__ and constructor', async () => {
    const stream = new SseReader(sseUrl(a.gw, `${signedQuery([SCOPE])}&topics=__proto__,constructor,${TOPIC}`));
    await stream.waitFor(4);
    assert.deepEqual(
      stream.events.slice(1, 4).map((e) => [e.data.type, (e.data as { topic?: string }).topic]),
      [
        ['sub.err', '__proto__'],
        ['sub.err', 'constructor'],
        ['sub.ok', TOPIC],
      ],
    );
    stream.close();
    const res = await get(sseUrl(a.gw, `${signedQuery([SCOPE])}&topics=toString`));
    assert.equal(res.status, 400);
    assert.deepEqual(JSON.parse(res.body), { error: 'bad_topics' });
    await a.check();
  });

  it('answers bad_request for topic look-alikes (Cyrillic ѕ, full-width, zero-width joiner, trailing NUL)', async () => {
    const client = new TestClient(wsUrl(a.gw, signedQuery([SCOPE])));
    await client.next('hello');
    for (const topic of ['kpis.\u04552', '\uff4bpis.s2', 'kpis\u200d.s2', 'kpis.s2\u0000', 'kpis.s2 ']) {
      client.send({ type: 'sub', topic });
      assert.deepEqual(await client.next(), { type: 'sub.err', topic, code: 'bad_request' });
    }
    client.ws.terminate();
    await a.check();
  });
});

// ---------------------------------------------------------------------------------------------------------
// Frames

describe('hostile frames', () => {
  let a: Arena;
  before(async () => {
    a = await arena();
  });
  after(() => a.close());

  const client = async () => {
    const c = new TestClient(wsUrl(a.gw, signedQuery([SCOPE])));
    await c.next('hello');
    return c;
  };

  it('accepts a frame of exactly 64 KiB and closes with 1009 on 64 KiB + 1 byte', async () => {
    const base = JSON.stringify({ type: 'ping', pad: '' });
    const exact = JSON.stringify({ type: 'ping', pad: 'x'.repeat(64 * 1024 - base.length) });
    assert.equal(Buffer.byteLength(exact), 64 * 1024);
    const c = await client();
    c.send(exact);
    assert.equal((await c.next()).type, 'pong');
    c.send(`${exact} `);
    assert.equal((await c.closed).code, 1009);
    await a.check();
  });

  it('closes with 1009 a message whose fragments together exceed 64 KiB, though each is small', async () => {
    const c = await client();
    const piece = Buffer.alloc(16 * 1024, 0x20);
    for (let i = 0; i < 4; i++) c.ws.send(piece, { binary: false, fin: false });
    c.ws.send(Buffer.from('{"type":"ping"}'), { binary: false, fin: true });
    assert.equal((await c.closed).code, 1009);
    await a.check();
  });

  it('closes with 1009 a frame header announcing an absurd length (2^62 bytes) before any payload', async () => {
    const raw = await RawWs.open(a.gw, signedQuery([SCOPE]));
    raw.send(0x1, Buffer.alloc(0), { announced: 1n << 62n });
    assert.equal(await raw.closeCode(), 1009);
    await a.check();
  });

  it('closes with 1007 a text frame that is not valid UTF-8', async () => {
    const raw = await RawWs.open(a.gw, signedQuery([SCOPE]));
    raw.send(0x1, Buffer.from([0x7b, 0xc3, 0x28, 0x7d])); // `{`, a broken two-byte sequence, `}`
    assert.equal(await raw.closeCode(), 1007);
    await a.check();
  });

  it('closes with 1002 a control frame over 125 bytes, reserved bits, an unknown opcode, and an unmasked frame', async () => {
    const attempts: [string, (raw: RawWs) => void][] = [
      ['a 126-byte ping', (raw) => raw.send(0x9, Buffer.alloc(126))],
      ['RSV1 set without an extension', (raw) => raw.send(0x1, Buffer.from('{}'), { firstByte: 0x80 | 0x40 | 0x1 })],
      ['opcode 0x3', (raw) => raw.send(0x3, Buffer.from('{}'))],
      ['a fragmented ping', (raw) => raw.send(0x9, Buffer.from('x'), { firstByte: 0x09 })],
      ['an unmasked text frame', (raw) => raw.socket.write(Buffer.from([0x81, 0x02, 0x7b, 0x7d]))],
    ];
    for (const [what, attack] of attempts) {
      const raw = await RawWs.open(a.gw, signedQuery([SCOPE]));
      attack(raw);
      assert.equal(await raw.closeCode(), 1002, what);
    }
    await a.check();
  });

  it('answers binary frames with binary_frame and closes a flood of them with 1008 (the bad-frame budget)', async () => {
    const c = await client();
    for (let i = 0; i < 200; i++) c.send(Buffer.from([0, 1, 2, i & 0xff]), true);
    assert.deepEqual(await c.closed, { code: 1008, reason: 'too_many_bad_frames' });
    const errors = c.pending().filter((f) => f.type === 'error');
    assert.ok(errors.length >= 10 && errors.length <= 11, `${errors.length} error frames`);
    assert.ok(errors.every((f) => f.type === 'error' && f.code === 'binary_frame'));
    await a.check();
  });

  it('answers invalid JSON of every kind with bad_json, one error per frame, and keeps the connection', async () => {
    const c = await client();
    // Nine: under the bad-frame burst of 10.
    const texts = ['', 'null', '42', '"ping"', 'NaN', '{"type":"ping"}garbage', '{"type":"ping",}', "{'type':'ping'}", '\ufeff{"type":"ping"}'];
    for (const text of texts) {
      c.send(text);
      const answer = await c.next();
      assert.ok(answer.type === 'error' && answer.code === 'bad_json', JSON.stringify(text));
    }
    await c.roundTrip();
    assert.deepEqual(c.pending(), []);
    c.ws.terminate();
    await a.check();
  });

  it('answers a 32 768-deep array filling 64 KiB with bad_json, and unclosed nesting of 65 536 braces too', async () => {
    const c = await client();
    c.send('['.repeat(32 * 1024) + ']'.repeat(32 * 1024));
    assert.deepEqual(await c.next(), { type: 'error', code: 'bad_json', message: 'frame is not a JSON object' });
    c.send('{'.repeat(64 * 1024));
    assert.deepEqual(await c.next(), { type: 'error', code: 'bad_json', message: 'frame is not valid JSON' });
    await c.roundTrip();
    c.ws.terminate();
    await a.check();
  });

  it('answers a ping carrying an unknown field nested as deep as 64 KiB allows with pong', async () => {
    const c = await client();
    const head = '{"type":"ping","x":';
    const depth = Math.floor((64 * 1024 - head.length - 2) / 6);
    const text = `${head}${'{"a":'.repeat(depth)}0${'}'.repeat(depth)}}`;
    assert.ok(Buffer.byteLength(text) <= 64 * 1024 && depth > 10_000);
    c.send(text);
    assert.deepEqual(await c.next(), { type: 'pong' });
    c.send(`{"type":"sub","topic":"${TOPIC}","since":${'['.repeat(30_000)}${']'.repeat(30_000)}}`);
    assert.deepEqual(await c.next(), { type: 'sub.err', topic: TOPIC, code: 'bad_request' });
    c.ws.terminate();
    await a.check();
  });

  it('ignores __proto__ and constructor keys in a frame and pollutes nothing', async () => {
    a.gw.fanout(TOPIC, { retained: true });
    await a.healthy.next('msg');
    const c = await client();
    c.send(`{"type":"sub","topic":"${TOPIC}","__proto__":{"since":999999,"isAdmin":true},"constructor":{"prototype":{"polluted":1}}}`);
    assert.equal((await c.next()).type, 'sub.ok');
    assert.equal((await c.next('msg')).seq > 0, true, 'the retained message: no since was taken from __proto__');
    assert.equal(({} as Record<string, unknown>)['isAdmin'], undefined);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    c.ws.terminate();
    await a.check();
  });
});

describe('bad since values', () => {
  let a: Arena;
  before(async () => {
    a = await arena();
    for (let i = 1; i <= 5; i++) a.gw.fanout(TOPIC, { n: i });
    for (let i = 1; i <= 5; i++) await a.healthy.next('msg');
  });
  after(() => a.close());

  it('answers sub.err bad_request for a negative, fractional, string, unsafe, infinite, NaN-string, null, boolean, array and object since', async () => {
    const sinces = ['-1', '1.5', '"5"', String(2 ** 53), '1e400', '"NaN"', 'null', 'true', '[1]', '{"n":1}', '-0.0000001', '9007199254740993'];
    const epochs = ['""', '"a b"', `"${'e'.repeat(65)}"`, '5', '"\u0435poch"'];
    // Each malformed sub costs one of the 10 bad frames a connection may send in a burst: a fresh client for each.
    for (const frame of [...sinces.map((s) => `"since":${s}`), ...epochs.map((e) => `"since":1,"epoch":${e}`)]) {
      const c = new TestClient(wsUrl(a.gw, signedQuery([SCOPE])));
      await c.next('hello');
      c.send(`{"type":"sub","topic":"${TOPIC}",${frame}}`);
      assert.deepEqual(await c.next(), { type: 'sub.err', topic: TOPIC, code: 'bad_request' }, frame);
      c.ws.terminate();
    }
    await a.check();
  });

  it('answers a since ahead of the topic, the largest safe integer and a foreign epoch with sub.ok, reset and the latest message', async () => {
    const c = new TestClient(wsUrl(a.gw, signedQuery([SCOPE])));
    await c.next('hello');
    c.send({ type: 'sub', topic: TOPIC });
    const { seq: latestSeq } = await c.next('sub.ok');
    assert.ok(latestSeq >= 5);
    await c.next('msg');
    for (const since of [latestSeq + 1, latestSeq + 1000, Number.MAX_SAFE_INTEGER]) {
      c.send({ type: 'sub', topic: TOPIC, since });
      const ok = await c.next();
      assert.ok(ok.type === 'sub.ok');
      assert.deepEqual(await c.next(), { type: 'reset', topic: TOPIC, epoch: ok.epoch });
      const latest = await c.next();
      assert.ok(latest.type === 'msg');
      assert.equal(latest.seq, ok.seq);
    }
    c.send({ type: 'sub', topic: TOPIC, since: 0, epoch: 'not-the-epoch' });
    assert.equal((await c.next()).type, 'sub.ok');
    assert.equal((await c.next()).type, 'reset');
    c.ws.terminate();
    await a.check();
  });

  it('answers SSE since values that are negative, fractional, padded, NaN, 16 digits long or of a foreign topic with 400 before spending the ticket', async () => {
    const query = signedQuery([SCOPE]);
    for (const since of ['kpis.s2:-1', 'kpis.s2:1.5', 'kpis.s2:00', 'kpis.s2:NaN', `kpis.s2:${'9'.repeat(16)}`, 'kpis.s2:1e3', 'kpis.s2:%2B1', 'kpis.s2:1:', 'kpis.s2:1:a:b', 'kpis.s2:', 'kpis.s2:%EF%BC%91', 'ab.status:1', 'kpis.s2:1,kpis.s2:2']) {
      const res = await get(sseUrl(a.gw, `${query}&topics=${TOPIC}&since=${since}`));
      assert.equal(res.status, 400, since);
      assert.deepEqual(JSON.parse(res.body), { error: 'bad_since' });
    }
    const twice = await get(sseUrl(a.gw, `${query}&topics=${TOPIC}&since=kpis.s2:1&since=kpis.s2:1`));
    assert.equal(twice.status, 400);
    const stream = new SseReader(sseUrl(a.gw, `${query}&topics=${TOPIC}&since=kpis.s2:999999999999999`));
    await stream.waitFor(4);
    assert.deepEqual(stream.events.slice(0, 3).map((e) => e.data.type), ['hello', 'sub.ok', 'reset']);
    stream.close();
    await a.check();
  });
});

// ---------------------------------------------------------------------------------------------------------
// Floods

describe('floods', () => {
  it('closes a flood of 1000 frames with one rate_limited error then 4429, while a healthy client keeps its own budget', async () => {
    await inArena({ rateLimits: { connectionsPerIp: false, framesPerConnection: { burst: 5, perSecond: 0.01 } } }, async ({ gw, healthy }) => {
      const c = new TestClient(wsUrl(gw, signedQuery([SCOPE])));
      await c.next('hello');
      for (let i = 0; i < 1000; i++) c.send({ type: 'ping' });
      await healthy.roundTrip(); // during the flood
      assert.deepEqual(await c.closed, { code: 4429, reason: 'rate_limited' });
      const frames = c.pending();
      assert.deepEqual(frames.map((f) => f.type), ['pong', 'pong', 'pong', 'pong', 'pong', 'error']);
      assert.deepEqual(frames[5], { type: 'error', code: 'rate_limited', message: 'too many frames; slow down' });
    });
  });

  it('closes a flood of bad frames under a frame rate with 4429: frames over the rate are not even parsed', async () => {
    await inArena({ rateLimits: { connectionsPerIp: false, framesPerConnection: { burst: 5, perSecond: 0.01 } } }, async ({ gw }) => {
      const c = new TestClient(wsUrl(gw, signedQuery([SCOPE])));
      await c.next('hello');
      for (let i = 0; i < 500; i++) c.send('{not json');
      assert.deepEqual(await c.closed, { code: 4429, reason: 'rate_limited' });
      assert.equal(c.pending().filter((f) => f.type === 'error' && f.code === 'bad_json').length, 5);
    });
  });

  it('lets exactly the per-IP burst of 40 simultaneous WebSocket attempts in and closes the rest with 4429', async () => {
    await inArena({ rateLimits: { connectionsPerIp: { burst: 6, perSecond: 0.01 }, framesPerConnection: false } }, async ({ gw, healthy }) => {
      const results = await Promise.all(Array.from({ length: 40 }, () => outcome(gw, signedQuery([SCOPE]))));
      await healthy.roundTrip();
      assert.equal(results.filter((r) => r === 'hello').length, 5, 'the healthy client took one token');
      assert.deepEqual(results.filter((r) => r !== 'hello'), Array(35).fill('4429 rate_limited'));
    });
  });

  it('answers an SSE flood beyond the per-IP burst with 429, a JSON body and an integer Retry-After', async () => {
    await inArena({ rateLimits: { connectionsPerIp: { burst: 3, perSecond: 0.01 }, framesPerConnection: false } }, async ({ gw }) => {
      // Without a ticket, so that the two attempts let through end at once (401) instead of streaming.
      const answers = await Promise.all(Array.from({ length: 15 }, () => get(sseUrl(gw, `topics=${TOPIC}`))));
      assert.deepEqual(answers.filter((r) => r.status === 401).map((r) => r.body), Array(2).fill('{"error":"missing_param"}'));
      const limited = answers.filter((r) => r.status === 429);
      assert.equal(limited.length, 13);
      for (const r of limited) {
        assert.deepEqual(JSON.parse(r.body), { error: 'rate_limited' });
        assert.equal(r.headers['retry-after'], '100');
      }
    });
  });

  it('does not spend the ticket of a rate-limited attempt: the same ticket works once the bucket refills', async () => {
    const clock = new FakeClock();
    await inArena({ clock, rateLimits: { connectionsPerIp: { burst: 1, perSecond: 1 }, framesPerConnection: false } }, async ({ gw }) => {
      const query = signedQuery([SCOPE], { nowMs: clock.now() });
      assert.equal(await outcome(gw, query), '4429 rate_limited');
      const sse = await get(sseUrl(gw, `${query}&topics=${TOPIC}`));
      assert.equal(sse.status, 429);
      clock.advance(1_000);
      assert.equal(await outcome(gw, query), 'hello');
    }, clock.now());
  });

  it('refuses 30 simultaneous connections beyond a global cap of 5 with 1013 and serves the ones inside', async () => {
    await inArena({ rateLimits: { connectionsPerIp: false, framesPerConnection: false, maxConnections: 5 } }, async ({ gw }) => {
      const clients = Array.from({ length: 30 }, () => new TestClient(wsUrl(gw, signedQuery([SCOPE]))));
      const results = await Promise.all(clients.map((c) => Promise.race([c.next('hello').then(() => 'hello'), c.closed.then((x) => `${x.code} ${x.reason}`)])));
      assert.equal(results.filter((r) => r === 'hello').length, 4, 'the healthy client holds one place');
      assert.equal(results.filter((r) => r === '1013 unavailable').length, 26);
      assert.equal(gw.hub.sessions.size, 5);
      for (const c of clients) c.ws.terminate();
      await until(() => gw.hub.sessions.size === 1);
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// Slow and stuck peers

describe('slow and stuck peers', () => {
  it('drops 20 slow-loris connections (WebSocket upgrades and SSE requests) and serves the healthy client meanwhile', async () => {
    await inArena({ headersTimeoutMs: 300 }, async ({ gw, healthy }) => {
      const lorises = Array.from({ length: 20 }, (_, i) => {
        const socket = createConnection(gw.port, '127.0.0.1');
        socket.on('error', () => {});
        socket.resume(); // read the 408, so the closing reaches us
        socket.write(i % 2 === 0 ? `GET /rt?${signedQuery([SCOPE])} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n` : `GET /rt/sse?topics=${TOPIC} HTTP/1.1\r\nHost: x\r\nX-Slow: `);
        return once(socket, 'close');
      });
      await healthy.roundTrip();
      await Promise.all(lorises);
    });
  });

  it('does not extend the header deadline for a peer that drips one byte at a time', async () => {
    await inArena({ headersTimeoutMs: 300 }, async ({ gw }) => {
      const socket = createConnection(gw.port, '127.0.0.1');
      socket.on('error', () => {});
      socket.resume();
      socket.write('GET /health HTTP/1.1\r\nHost: x\r\nX-Drip: ');
      let drips = 0;
      const timer = setInterval(() => {
        if (drips++ < 400 && !socket.destroyed) socket.write('a');
      }, 20);
      try {
        await once(socket, 'close');
      } finally {
        clearInterval(timer);
      }
      assert.ok(drips < 400, 'closed while still dripping');
    });
  });

  it('keeps the memory for a WebSocket client that never reads bounded (queued <= queueLimit) while a reader gets everything', async () => {
    const queueLimit = 20;
    await inArena({ backpressure: { bufferLimitBytes: 32 * 1024, queueLimit, flushMs: 5 } }, async ({ gw, healthy }) => {
      const accepted = nextSession(gw);
      const stalled = new TestClient(wsUrl(gw, signedQuery([SCOPE])));
      const session = await accepted;
      await stalled.next('hello');
      stalled.send({ type: 'sub', topic: TOPIC });
      await stalled.next('sub.ok');
      stalled.ws.pause();
      const blob = 'x'.repeat(32 * 1024);
      // Until the kernel buffers are full and the queue has stayed full for 50 more messages (bounded).
      let fullFor = 0;
      for (let i = 0; i < 3000 && fullFor < 50; i++) {
        gw.fanout(TOPIC, { i, blob });
        assert.ok(session.queued <= queueLimit, `queued ${session.queued}`);
        if (session.queued === queueLimit) fullFor += 1;
        const msg = await healthy.next('msg');
        assert.equal((msg.data as { i: number }).i, i, 'the reader gets every message, in order');
      }
      assert.equal(fullFor, 50, 'it did back up');
      assert.ok(session.dropped > 0);
      stalled.ws.terminate();
    });
  });

  it('keeps the memory for an SSE client that never reads bounded too', async () => {
    const queueLimit = 20;
    await inArena({ backpressure: { bufferLimitBytes: 32 * 1024, queueLimit, flushMs: 5 } }, async ({ gw, healthy }) => {
      const accepted = nextSession(gw);
      const stream = new SseReader(sseUrl(gw, `${signedQuery([SCOPE])}&topics=${TOPIC}`));
      const session = await accepted;
      await stream.waitFor(2);
      (stream as unknown as { res: { pause(): void; socket: Socket } }).res.socket.pause();
      const blob = 'y'.repeat(32 * 1024);
      let fullFor = 0;
      for (let i = 0; i < 3000 && fullFor < 50; i++) {
        gw.fanout(TOPIC, { i, blob });
        assert.ok(session.queued <= queueLimit, `queued ${session.queued}`);
        if (session.queued === queueLimit) fullFor += 1;
        await healthy.next('msg');
      }
      assert.equal(fullFor, 50, 'it did back up');
      assert.ok(session.dropped > 0);
      stream.close();
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// HTTP-level abuse

describe('HTTP-level abuse', () => {
  let a: Arena;
  before(async () => {
    a = await arena();
  });
  after(() => a.close());

  it('answers 5000 request headers (58 KB) with 431 on a plain request and on an upgrade', async () => {
    const flood = Array.from({ length: 5000 }, (_, i) => `x-h${i}: v\r\n`).join('');
    assert.equal(statusOf(await rawHttp(a.gw, `GET /health HTTP/1.1\r\nHost: x\r\n${flood}\r\n`)), 431);
    assert.equal(statusOf(await rawHttp(a.gw, `GET /rt?${signedQuery([SCOPE])} HTTP/1.1\r\nHost: x\r\n${UPGRADE_HEADERS}${flood}\r\n`)), 431);
    await a.check();
  });

  it('answers a single 20 KB header with 431', async () => {
    assert.equal(statusOf(await rawHttp(a.gw, `GET /rt/sse?topics=${TOPIC} HTTP/1.1\r\nHost: x\r\nCookie: ${'c'.repeat(20_000)}\r\n\r\n`)), 431);
    await a.check();
  });

  it('answers a 20 KB query string with 431 on both endpoints', async () => {
    const huge = `${signedQuery([SCOPE])}&pad=${'p'.repeat(20_000)}`;
    assert.equal(statusOf(await rawHttp(a.gw, `GET /rt/sse?${huge}&topics=${TOPIC} HTTP/1.1\r\nHost: x\r\n\r\n`)), 431);
    assert.equal(statusOf(await rawHttp(a.gw, `GET /rt?${huge} HTTP/1.1\r\nHost: x\r\n${UPGRADE_HEADERS}\r\n`)), 431);
    await a.check();
  });

  it('answers an upgrade with a bad Sec-WebSocket-Key with 400 and creates no session', async () => {
    const before = a.gw.hub.sessions.size;
    for (const key of ['bad', '', 'dGhlIHNhbXBsZSBub25jZQ', '!!!!!!!!!!!!!!!!!!!!!!==']) {
      const answer = await rawHttp(a.gw, `GET /rt?${signedQuery([SCOPE])} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      assert.equal(statusOf(answer), 400, key);
    }
    assert.equal(a.gw.hub.sessions.size, before);
    await a.check();
  });

  it('answers an upgrade with an unsupported Sec-WebSocket-Version with 400 naming the supported ones', async () => {
    for (const version of ['12', '14', '', 'thirteen']) {
      const answer = await rawHttp(a.gw, `GET /rt?${signedQuery([SCOPE])} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: ${version}\r\n\r\n`);
      assert.equal(statusOf(answer), 400, version);
      assert.match(answer, /Sec-WebSocket-Version: 13, 8/i);
    }
    await a.check();
  });

  it('answers an upgrade to another protocol with 400 and a POST upgrade with 405', async () => {
    assert.equal(statusOf(await rawHttp(a.gw, `GET /rt?${signedQuery([SCOPE])} HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n`)), 400);
    assert.equal(statusOf(await rawHttp(a.gw, `POST /rt?${signedQuery([SCOPE])} HTTP/1.1\r\nHost: x\r\n${UPGRADE_HEADERS}Content-Length: 0\r\n\r\n`)), 405);
    await a.check();
  });

  it('answers a request target that is no URL at all with 404 (plain request and upgrade)', async () => {
    assert.equal(statusOf(await rawHttp(a.gw, 'GET http://[bad/rt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')), 404);
    assert.equal(statusOf(await rawHttp(a.gw, `GET http://[bad/rt HTTP/1.1\r\nHost: x\r\n${UPGRADE_HEADERS}\r\n`)), 404);
    await a.check();
  });

  it('survives 64 KiB of random bytes pipelined right behind a refused upgrade, and a TLS hello sent to plain HTTP', async () => {
    for (let i = 0; i < 5; i++) {
      const garbage = randomBytes(64 * 1024);
      garbage[0] = 0x7f; // reserved bits set: certainly not a valid frame
      const answer = await rawHttp(a.gw, Buffer.concat([Buffer.from(`GET /rt?ts=1 HTTP/1.1\r\nHost: x\r\n${UPGRADE_HEADERS}\r\n`), garbage]));
      assert.equal(statusOf(answer), 101);
    }
    assert.equal(statusOf(await rawHttp(a.gw, Buffer.from('16030100a5010000a10303', 'hex'))), 400);
    assert.equal(statusOf(await rawHttp(a.gw, randomBytes(4096))), 400);
    await a.check();
  });

  it('answers HEAD and POST on /rt/sse with 405 and OPTIONS with a 204 preflight, none of them spending the ticket', async () => {
    const query = `${signedQuery([SCOPE])}&topics=${TOPIC}`;
    const head = await rawHttp(a.gw, `HEAD /rt/sse?${query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.equal(statusOf(head), 405);
    const post = await rawHttp(a.gw, `POST /rt/sse?${query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello`);
    assert.equal(statusOf(post), 405);
    assert.match(post, /Allow: GET, HEAD, OPTIONS/i);
    assert.match(post, /\{"error":"method_not_allowed"\}/);
    const options = await rawHttp(a.gw, `OPTIONS /rt/sse?${query} HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\nConnection: close\r\n\r\n`);
    assert.equal(statusOf(options), 204);
    assert.doesNotMatch(options, /Access-Control-Allow-Origin/i, 'no foreign origin reflected');
    const stream = new SseReader(sseUrl(a.gw, query));
    await stream.waitFor(2);
    assert.deepEqual(stream.events.slice(0, 2).map((e) => e.data.type), ['hello', 'sub.ok']);
    stream.close();
    await a.check();
  });

  it('answers HEAD on /rt/sse with an Allow header, as RFC 9110 requires of every 405', async () => {
    const head = await rawHttp(a.gw, `HEAD /rt/sse?${signedQuery([SCOPE])}&topics=${TOPIC} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.equal(statusOf(head), 405);
    assert.match(head, /\r\nAllow: /i);
  });

  it('answers malformed SSE topics with 400 bad_topics before spending the ticket, then serves that ticket', async () => {
    const query = signedQuery([SCOPE]);
    const many = Array.from({ length: 65 }, (_, i) => `t${i}`).join(',');
    for (const topics of [many, 'kpis.s2,kpis.s2', 'kpis.s2,', ',kpis.s2', 'kpis.s2%2C%2Ckpis.s2', 'kpis.%D1%952', 'kpis.s2:1', '%00', 'a'.repeat(129)]) {
      const res = await get(sseUrl(a.gw, `${query}&topics=${topics}`));
      assert.equal(res.status, 400, topics);
      assert.deepEqual(JSON.parse(res.body), { error: 'bad_topics' });
    }
    const stream = new SseReader(sseUrl(a.gw, `${query}&topics=${TOPIC}`));
    await stream.waitFor(1);
    assert.equal(HELLO_SSE(stream), 'hello');
    stream.close();
    await a.check();
  });
});

describe('the demo static server', () => {
  it('answers path traversal in every encoding with 404 and leaks no file outside its roots', async () => {
    await inArena({ demo: true }, async ({ gw }) => {
      const paths = [
        '/../package.json',
        '/../../../../etc/passwd',
        '/%2e%2e/package.json',
        '/%2e%2e%2fpackage.json',
        '/..%2f..%2fpackage.json',
        '/dist/..%2f..%2fpackage.json',
        '/dist/%2e%2e/%2e%2e/package.json',
        '/dist/../server/main.ts',
        '/..%5c..%5cpackage.json',
        '/%c0%ae%c0%ae/package.json',
        '/%ff',
        '/index.html%00.js',
        '//etc/passwd',
        '/.git/config',
        '/%2egit/config',
        'http://x/../package.json',
        '/dist/browser/../../package.json',
      ];
      for (const path of paths) {
        const answer = await rawHttp(gw, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        assert.equal(statusOf(answer), 404, path);
        assert.doesNotMatch(answer, /"name": "@lydian|root:|\[core\]/, path);
      }
      assert.equal(statusOf(await rawHttp(gw, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')), 200);
      const lookAlike = await get(`${gw.url}/rt/ticket?scopes=ops.%D0%B0dmin`);
      assert.equal(lookAlike.status, 400);
      assert.deepEqual(JSON.parse(lookAlike.body), { error: 'bad_scopes' });
    });
  });
});
