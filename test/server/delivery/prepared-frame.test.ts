import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PreparedFrame } from '../../../server/delivery/prepared-frame.js';

const msg = (seq: number) => PreparedFrame.message('t', seq, 0, { seq });
const subOk = (topic: string) => PreparedFrame.control({ type: 'sub.ok', topic, seq: 0, epoch: 'e' });

describe('PreparedFrame', () => {
  it('makes messages droppable and control answers not, except ping and pong', () => {
    assert.equal(msg(1).droppable, true);
    assert.equal(subOk('a').droppable, false);
    assert.equal(PreparedFrame.control({ type: 'unsub.ok', topic: 'a' }).droppable, false);
    assert.equal(PreparedFrame.control({ type: 'reset', topic: 'a', epoch: 'e' }).droppable, false);
    assert.equal(PreparedFrame.control({ type: 'ping' }).droppable, true);
    assert.equal(PreparedFrame.control({ type: 'pong' }).droppable, true);
  });

  it('frames a message for SSE with its id, and a control frame without one', () => {
    assert.equal(
      msg(7).sse.toString(),
      'id: t:7\ndata: {"type":"msg","topic":"t","seq":7,"ts":0,"data":{"seq":7}}\n\n',
    );
    assert.equal(subOk('a').sse.toString(), 'data: {"type":"sub.ok","topic":"a","seq":0,"epoch":"e"}\n\n');
  });

  it('serializes once and reuses the same buffers', () => {
    const frame = msg(1);
    assert.equal(frame.ws, frame.ws);
    assert.equal(frame.sse, frame.sse);
    assert.equal(frame.ws[0], 0x81, 'FIN + text opcode');
    assert.equal(frame.ws[1], Buffer.byteLength(frame.json), 'unmasked, 7-bit length');
    assert.equal(frame.ws.subarray(2).toString(), frame.json);
  });

  it('frames longer payloads with 16- and 64-bit lengths, as RFC 6455 §5.2 does', () => {
    for (const [size, header] of [
      [200, 4],
      [70_000, 10],
    ] as const) {
      const frame = PreparedFrame.message('t', 1, 0, 'x'.repeat(size));
      const length = Buffer.byteLength(frame.json);
      assert.equal(frame.ws.length, header + length);
      if (header === 4) assert.deepEqual([frame.ws[1], frame.ws.readUInt16BE(2)], [126, length]);
      else assert.deepEqual([frame.ws[1], frame.ws.readBigUInt64BE(2)], [127, BigInt(length)]);
      assert.equal(frame.ws.subarray(header).toString(), frame.json);
    }
  });
});
