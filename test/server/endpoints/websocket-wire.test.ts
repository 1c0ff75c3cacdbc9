/**
 * Bytes on the wire: the gateway writes prepared frames (prepared-frame.ts) straight to the socket `ws` writes to,
 * corked per turn (write-batch.ts), while `ws` itself writes protocol pings and close frames to the same socket.
 * A raw TCP client reads every frame the gateway sends and the tests check the exact sequence: whole frames (FIN,
 * no RSV bits), unmasked, the payloads in call order, each ping a frame of its own between data frames, the close
 * frame last with nothing after it. If a prepared write ever landed inside one of `ws`'s frames (or the reverse),
 * the length-driven parse would go astray and the sequence would not match.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloseCode, type ServerFrame } from '../../../src/protocol/index.js';
import type { Gateway } from '../../../server/gateway.js';
import type { Session } from '../../../server/delivery/session.js';
import { FakeClock, signedQuery, startGateway } from '../helpers.js';
import { RawWs, SCOPE, TOPIC, nextSession, type WireFrame } from '../hostile/helpers.js';

const TEXT = 0x1;
const CLOSE = 0x8;
const PING = 0x9;

/** The JSON of a text frame, or the text itself marked as such when it does not parse. */
function parsed(text: string): unknown {
  try {
    return JSON.parse(text) as ServerFrame;
  } catch {
    return { unparsable: text };
  }
}

/** A frame as the assertions compare it: text parsed as JSON, a close as code and reason, others as hex. */
function view(frame: WireFrame): { fin: boolean; rsv: number; masked: boolean; opcode: number; body: unknown } {
  const { fin, rsv, masked, opcode, payload } = frame;
  let body: unknown = payload.toString('hex');
  if (opcode === TEXT) body = parsed(payload.toString('utf8'));
  else if (opcode === CLOSE) body = { code: payload.readUInt16BE(0), reason: payload.subarray(2).toString('utf8') };
  return { fin, rsv, masked, opcode, body };
}

/** What a well-formed server frame looks like in {@link view}. */
const whole = (opcode: number, body: unknown) => ({ fin: true, rsv: 0, masked: false, opcode, body });

/** Whether a frame could be one of ours: whole, unmasked, no RSV bits, text that parses, a ping or a close. */
function wellFormed(frame: WireFrame): boolean {
  const { fin, rsv, masked, opcode } = frame;
  if (!fin || rsv !== 0 || masked || ![TEXT, CLOSE, PING].includes(opcode)) return false;
  return opcode !== TEXT || !Object.hasOwn(view(frame).body as object, 'unparsable');
}

/** A connection read frame by frame, subscribed to `TOPIC`, with its session on the gateway. */
interface Wire {
  raw: RawWs;
  session: Session;
  /** The topic's seq at subscription: the next message has `seq + 1`. */
  seq: number;
  /** Frames that arrived since the subscription. */
  since(): WireFrame[];
  /**
   * Resolves once `done(frames since the subscription)` holds, or at once when a frame is not well-formed: a
   * corrupted stream fails the sequence assertion that follows instead of waiting for frames that never come.
   */
  settled(done: (frames: WireFrame[]) => boolean): Promise<void>;
}

async function openWire(gw: Gateway): Promise<Wire> {
  const accepted = nextSession(gw);
  const raw = await RawWs.open(gw, signedQuery([SCOPE]));
  const session = await accepted;
  raw.send(TEXT, Buffer.from(JSON.stringify({ type: 'sub', topic: TOPIC })));
  await raw.until(() => raw.frames.length === 2);
  const subOk = view(raw.frames[1] as WireFrame);
  assert.deepEqual({ ...subOk, body: undefined }, whole(TEXT, undefined));
  const body = subOk.body as ServerFrame;
  assert.ok(body.type === 'sub.ok' && body.topic === TOPIC);
  const since = (): WireFrame[] => raw.frames.slice(2);
  const settled = (done: (frames: WireFrame[]) => boolean) =>
    raw.until(() => done(since()) || !since().every(wellFormed));
  return { raw, session, seq: body.seq, since, settled };
}

/** Answers the gateway's close frame as a client must (echoing its code), then waits for the TCP connection to end. */
async function finishClosingHandshake({ raw, settled }: Wire): Promise<void> {
  await settled((frames) => frames.some((f) => f.opcode === CLOSE));
  const close = raw.frames.find((f) => f.opcode === CLOSE);
  if (!close) return; // garbage instead: the sequence assertion says what came
  raw.send(CLOSE, close.payload.subarray(0, 2));
  await raw.closed;
}

describe('frames on the wire: prepared writes, ws pings and the close handshake', () => {
  let gw: Gateway;
  let clock: FakeClock;
  before(async () => {
    // A fake clock: the heartbeat never runs on its own, only when a test calls it.
    clock = new FakeClock();
    gw = await startGateway({ processMetrics: false, clock });
  });
  after(() => gw.close());

  /** The `msg` frame the gateway sends for `data` as message `seq`. */
  const msg = (seq: number, data: unknown) => whole(TEXT, { type: 'msg', topic: TOPIC, seq, ts: clock.now(), data });

  it('keeps fanouts, heartbeat pings and the drain close as whole unmasked frames in call order, and writes nothing after the close', async () => {
    const wire = await openWire(gw);
    const { raw } = wire;
    // 16-bit and 64-bit payload lengths too; the 70 KB one passes the 64 KiB cork bound, so the socket is
    // uncorked and corked again in the middle of the turn, with a ping written on either side.
    const medium = 'm'.repeat(300);
    const large = 'l'.repeat(70_000);

    // One turn: five messages and two heartbeats (each a `ping` text frame then a protocol ping from `ws`).
    gw.fanout(TOPIC, { n: 1 });
    gw.fanout(TOPIC, { n: 2, medium });
    gw.context.heartbeat.tick();
    gw.fanout(TOPIC, { n: 3, large });
    gw.context.heartbeat.tick();
    gw.fanout(TOPIC, { n: 4 });
    gw.fanout(TOPIC, { n: 5 });
    await wire.settled((frames) => frames.length >= 9);

    // A later turn: two messages, the gateway's drain (close 1012 from `ws`), then a message and a heartbeat that
    // must not reach the wire.
    gw.fanout(TOPIC, { n: 6 });
    gw.fanout(TOPIC, { n: 7, medium });
    const draining = gw.close();
    gw.fanout(TOPIC, { n: 8 });
    gw.context.heartbeat.tick();
    await finishClosingHandshake(wire);
    await draining;

    const s = wire.seq;
    const textPing = whole(TEXT, { type: 'ping' });
    const protocolPing = whole(PING, '');
    assert.deepEqual(wire.since().map(view), [
      msg(s + 1, { n: 1 }),
      msg(s + 2, { n: 2, medium }),
      textPing,
      protocolPing,
      msg(s + 3, { n: 3, large }),
      textPing,
      protocolPing,
      msg(s + 4, { n: 4 }),
      msg(s + 5, { n: 5 }),
      msg(s + 6, { n: 6 }),
      msg(s + 7, { n: 7, medium }),
      whole(CLOSE, { code: CloseCode.serviceRestart, reason: 'service_restart' }),
    ]);
    assert.equal(raw.unparsed, 0, 'no byte after the close frame');
  });
});

describe('a session closed in the same turn as its fanouts', () => {
  let gw: Gateway;
  let clock: FakeClock;
  before(async () => {
    clock = new FakeClock();
    gw = await startGateway({ processMetrics: false, clock });
  });
  after(() => gw.close());

  it('sends the messages written before the close, then the close frame, and nothing after it', async () => {
    const wire = await openWire(gw);
    const { raw, session } = wire;
    gw.fanout(TOPIC, { n: 1 });
    gw.context.heartbeat.tick();
    gw.fanout(TOPIC, { n: 2 });
    // The close the session makes itself (a backed-up queue): corked behind the frames written before it.
    session.close(CloseCode.timeout, 'backpressure');
    gw.fanout(TOPIC, { n: 3 });
    gw.context.heartbeat.tick();
    await finishClosingHandshake(wire);

    const s = wire.seq;
    const ts = clock.now();
    assert.deepEqual(wire.since().map(view), [
      whole(TEXT, { type: 'msg', topic: TOPIC, seq: s + 1, ts, data: { n: 1 } }),
      whole(TEXT, { type: 'ping' }),
      whole(PING, ''),
      whole(TEXT, { type: 'msg', topic: TOPIC, seq: s + 2, ts, data: { n: 2 } }),
      whole(CLOSE, { code: CloseCode.timeout, reason: 'backpressure' }),
    ]);
    assert.equal(raw.unparsed, 0, 'no byte after the close frame');
  });
});
