/**
 * Hostile WebSocket frames (part of the hostile-input suite, see `helpers.ts`): oversized, fragmented, malformed
 * and non-UTF-8 frames, binary floods, pathological JSON and prototype keys.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestClient, signedQuery, wsUrl } from '../helpers.js';
import { type Arena, RawWs, SCOPE, TOPIC, arena } from './helpers.js';

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
    const texts = [
      '',
      'null',
      '42',
      '"ping"',
      'NaN',
      '{"type":"ping"}garbage',
      '{"type":"ping",}',
      "{'type':'ping'}",
      '\ufeff{"type":"ping"}',
    ];
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
    c.send(
      `{"type":"sub","topic":"${TOPIC}","__proto__":{"since":999999,"isAdmin":true},"constructor":{"prototype":{"polluted":1}}}`,
    );
    assert.equal((await c.next()).type, 'sub.ok');
    assert.equal((await c.next('msg')).seq > 0, true, 'the retained message: no since was taken from __proto__');
    assert.equal(({} as Record<string, unknown>)['isAdmin'], undefined);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    c.ws.terminate();
    await a.check();
  });
});
