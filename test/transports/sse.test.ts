/**
 * The SSE transport on its own, over an EventSource double: the `close` frame (v1.1) the gateway sends as the
 * last frame of a stream it ends on purpose.
 */
import { expect } from '@open-wc/testing';
import type { ServerFrame } from '../../src/protocol/frames.js';
import { openSse } from '../../src/transports/sse.js';
import { FakeEventSource } from '../helpers/mock-gateway.js';

const ES = FakeEventSource as unknown as typeof EventSource;

describe('openSse', () => {
  let frames: ServerFrame[];
  let closes: [number, string, string?][];
  const open = () =>
    openSse(
      { url: 'http://gw.test/rt/sse', ticket: 'ts=1', topics: new Map([['kpis.s2', undefined]]), EventSource: ES },
      { frame: (f) => frames.push(f), close: (...args) => closes.push(args) },
    );

  beforeEach(() => {
    frames = [];
    closes = [];
    FakeEventSource.instances = [];
  });

  for (const [code, reason] of [
    [4401, 'expired'],
    [4410, 'revoked'],
    [1012, 'service_restart'],
  ] as const) {
    it(`a close frame (${code} ${reason}) ends the stream and reports that close, once`, () => {
      open();
      const es = FakeEventSource.last;
      es.push({ type: 'hello', v: 1, id: 's1', scopes: [], heartbeatMs: 15_000 });
      es.push({ type: 'close', code, reason });
      expect(es.readyState, 'closed: the browser must not reconnect with a spent ticket').to.equal(2);
      expect(closes).to.deep.equal([[code, reason, undefined]]);
      expect(frames.map((f) => f.type)).to.deep.equal(['hello']);
      es.push({ type: 'ping' });
      es.fail();
      expect(frames.length).to.equal(1);
      expect(closes.length).to.equal(1);
    });
  }

  it('a close frame after its owner closed the transport is not reported', () => {
    const t = open();
    t.close();
    FakeEventSource.last.push({ type: 'close', code: 4401, reason: 'expired' });
    expect(closes).to.deep.equal([]);
  });
});
