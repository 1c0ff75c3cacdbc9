/**
 * The core client against a real gateway, on the wall clock: a connection whose authority lasts 4 s keeps its data
 * flowing across refreshes without reconnecting, and one that cannot refresh is closed with 4401 `expired` and
 * comes back with `since`, losing nothing. SSE, which cannot refresh, ends its stream and resumes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { ticketQuery, type MsgFrame } from '../../../src/protocol/index.js';
import { createClient } from '../../../src/core/client.js';
import type { Client } from '../../../src/core/types.js';
import { issueTicket } from '../../../server/admission/tickets.js';
import type { Gateway } from '../../../server/gateway.js';
import type { FanoutResult } from '../../../server/engines/engine.js';
import { untilStore } from '../../helpers/until.js';
import { SECRET, SseReader, sseUrl, startGateway } from '../helpers.js';

const TOPIC = 'ops.kpis';
const TOPICS = { [TOPIC]: { scopes: ['ops.read'] } };
const TTL_S = 4;

/** A client of `gw` whose tickets last {@link TTL_S} seconds; `refusing` makes its ticket endpoint fail. */
function watcher(gw: Gateway<FanoutResult>) {
  const seqs: number[] = [];
  const closes: { code: number; reason: string }[] = [];
  const state = { tickets: 0, opens: 0, refusing: false };
  const client: Client = createClient({
    url: `${gw.url.replace(/^http/, 'ws')}/rt`,
    scopes: ['ops.read'],
    auth: (scopes) => {
      if (state.refusing) return Promise.reject(Object.assign(new Error('ticket endpoint down'), { status: 503 }));
      state.tickets += 1;
      return Promise.resolve(issueTicket(SECRET, scopes, { ttlS: TTL_S, sub: 'u-1' }));
    },
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    transports: ['websocket'],
    minDelay: 50,
    logger: (_level, event, detail) => {
      if (event === 'close') closes.push(detail as { code: number; reason: string });
    },
  });
  let connected = false;
  client.status.subscribe((status) => {
    if (status.connected && !connected) state.opens += 1;
    connected = status.connected;
  });
  client.on('message', (frame: MsgFrame) => seqs.push(frame.seq));
  const store = client.topic(TOPIC);
  store.subscribe(() => {});
  return { client, store, seqs, closes, state };
}

/** Publishes one message every 20 ms until stopped (bounded: at most 2 000). */
function publishing(gw: Gateway<FanoutResult>): { stop: () => number } {
  let sent = 0;
  const timer = setInterval(() => {
    if (sent < 2000) gw.fanout(TOPIC, { n: ++sent });
  }, 20);
  return {
    stop: () => {
      clearInterval(timer);
      return sent;
    },
  };
}

const contiguous = (seqs: number[]): boolean => seqs.every((seq, i) => i === 0 || seq === (seqs[i - 1] ?? 0) + 1);

describe('the client keeps its data across the end of its authority', () => {
  let gw: Gateway<FanoutResult>;
  before(async () => {
    gw = await startGateway({ topics: TOPICS });
  });
  after(() => gw.close());

  it('refreshes in band, three times, on one connection: contiguous seq, no reconnect', async () => {
    const w = watcher(gw);
    const base = (await untilStore(w.store, (s) => s.status === 'live')).seq;
    const flow = publishing(gw);
    // The connect ticket, then one per refresh: each lands before the 4 s end, or the gateway would close.
    await untilStore(w.client.status, () => w.state.tickets >= 4);
    const sent = flow.stop();
    await untilStore(w.store, (s) => s.seq === base + sent);
    assert.equal(w.state.opens, 1, 'never reconnected');
    assert.deepEqual(w.closes, []);
    const live = w.seqs.filter((seq) => seq > base);
    assert.ok(contiguous(live) && live.length === sent, `every message once, in order: ${live.join()}`);
    assert.ok(w.client.status.get().expiresAt !== null);
    w.client.disconnect();
  });

  it("without a refresh: 4401 'expired', a fresh ticket, and a resume that loses nothing", async () => {
    const w = watcher(gw);
    await untilStore(w.store, (s) => s.status === 'live');
    const first = w.store.get().seq;
    const flow = publishing(gw);
    w.state.refusing = true;
    const failed = await untilStore(w.client.status, (s) => s.error?.source === 'refresh');
    assert.match(failed.error?.reason ?? '', /ticket endpoint down/, 'the failed refresh is shown, not silent');
    assert.equal(failed.connected, true, 'the connection keeps its authority meanwhile');
    await untilStore(w.client.status, (s) => !s.connected);
    w.state.refusing = false;
    await untilStore(w.client.status, (s) => s.connected);
    const sent = flow.stop();
    await untilStore(w.store, (s) => s.seq === first + sent);
    assert.deepEqual(w.closes[0], { code: 4401, reason: 'expired', transport: 'websocket' });
    assert.equal(w.state.opens, 2);
    const after = w.seqs.filter((seq) => seq > first);
    assert.ok(contiguous(after) && after.length === sent, `nothing lost, nothing twice: ${after.join()}`);
    w.client.disconnect();
  });

  it('ends an SSE stream at its end; a new stream with since resumes without loss or duplicate', async () => {
    const ticket = () => ticketQuery(issueTicket(SECRET, ['ops.read'], { ttlS: 2, sub: 'u-1' }));
    const first = new SseReader(`${sseUrl(gw, ticket())}&topics=${TOPIC}`);
    await first.waitFor(2); // hello, sub.ok (and the latest message)
    const flow = publishing(gw);
    await first.ended;
    const frames = first.events.map((e) => e.data);
    assert.deepEqual(frames.at(-1), { type: 'close', code: 4401, reason: 'expired' });
    const subOk = frames.find((f) => f.type === 'sub.ok');
    const base = subOk?.type === 'sub.ok' ? subOk.seq : 0;
    const epoch = subOk?.type === 'sub.ok' ? subOk.epoch : '';
    const seen = frames.filter((f): f is MsgFrame => f.type === 'msg' && f.seq > base).map((f) => f.seq);
    const last = seen.at(-1) ?? base;
    for (let gap = 0; gap < 5; gap++) gw.fanout(TOPIC, { between: gap }); // while no stream is open
    const second = new SseReader(`${sseUrl(gw, ticket())}&topics=${TOPIC}&since=${TOPIC}:${last}:${epoch}`);
    await second.waitFor(2);
    const sent = flow.stop() + 5;
    const seqs = () =>
      second.events
        .map((e) => e.data)
        .filter((f): f is MsgFrame => f.type === 'msg')
        .map((f) => f.seq);
    while (seqs().at(-1) !== base + sent) await second.waitFor(second.events.length + 1);
    const resumed = seqs();
    second.close();
    assert.ok(
      contiguous([...seen, ...resumed]),
      `one run across the two streams: ${[...seen, '|', ...resumed].join()}`,
    );
    assert.equal([...seen, ...resumed].length, sent);
  });
});
