import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MsgFrame } from '../../../src/protocol/index.js';
import type { Gateway } from '../../../server/gateway.js';
import { connect, startGateway, type TestClient } from '../helpers.js';

/** Takes frames until `count` messages of `topic` have arrived; returns their seqs. */
async function seqs(client: TestClient, count: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < count) out.push((await client.next('msg')).seq);
  return out;
}

describe('resume with since and epoch', () => {
  let gw: Gateway;
  const publish = (n: number) => {
    for (let i = 0; i < n; i++) gw.fanout('kpis.s2', { i });
  };
  before(async () => {
    gw = await startGateway({ historySize: 5 });
  });
  after(() => gw.close());

  it('replays every held message after since, in order, then goes live without duplicates', async () => {
    publish(3);
    const first = await connect(gw, ['ops.admin']);
    first.send({ type: 'sub', topic: 'kpis.s2' });
    const ok = await first.next('sub.ok');
    const [retained] = await seqs(first, 1);
    assert.equal(retained, ok.seq);
    await first.close();

    publish(3); // missed while away
    const back = await connect(gw, ['ops.admin']);
    back.send({ type: 'sub', topic: 'kpis.s2', since: retained, epoch: ok.epoch });
    const again = await back.next();
    assert.ok(again.type === 'sub.ok');
    assert.equal(again.epoch, ok.epoch);
    assert.deepEqual(await seqs(back, 3), [ok.seq + 1, ok.seq + 2, ok.seq + 3]);
    publish(1);
    assert.deepEqual(await seqs(back, 1), [ok.seq + 4]);
    await back.roundTrip();
    assert.deepEqual(back.pending(), []);
    await back.close();
  });

  it('sends nothing more than sub.ok when since is the latest seq', async () => {
    publish(1);
    const client = await connect(gw, ['ops.admin']);
    client.send({ type: 'sub', topic: 'kpis.s2' });
    const ok = await client.next('sub.ok');
    await client.next('msg');
    client.send({ type: 'sub', topic: 'kpis.s2', since: ok.seq });
    assert.equal((await client.next()).type, 'sub.ok');
    await client.roundTrip();
    assert.deepEqual(client.pending(), []);
    await client.close();
  });

  it('takes a since without epoch as the current epoch', async () => {
    publish(2);
    const client = await connect(gw, ['ops.admin']);
    const latest = gw.hub.registry.get('kpis.s2')!.history.seq;
    client.send({ type: 'sub', topic: 'kpis.s2', since: latest - 1 });
    await client.next('sub.ok');
    assert.deepEqual(await seqs(client, 1), [latest]);
    await client.close();
  });

  it('answers reset and the latest message when since is older than the history', async () => {
    publish(8);
    const latest = gw.hub.registry.get('kpis.s2')!.history.seq;
    const client = await connect(gw, ['ops.admin']);
    client.send({ type: 'sub', topic: 'kpis.s2', since: latest - 7 });
    const ok = await client.next();
    assert.ok(ok.type === 'sub.ok');
    assert.deepEqual(await client.next(), { type: 'reset', topic: 'kpis.s2', epoch: ok.epoch });
    const msg = (await client.next()) as MsgFrame;
    assert.equal(msg.seq, latest);
    await client.close();
  });

  it('answers reset when the epoch is not the current one (a restarted gateway)', async () => {
    const client = await connect(gw, ['ops.admin']);
    const latest = gw.hub.registry.get('kpis.s2')!.history.seq;
    client.send({ type: 'sub', topic: 'kpis.s2', since: latest, epoch: 'an-older-epoch' });
    await client.next('sub.ok');
    assert.equal((await client.next()).type, 'reset');
    assert.equal((await client.next('msg')).seq, latest);
    await client.close();
  });

  it('answers reset when since is ahead of the topic', async () => {
    const client = await connect(gw, ['ops.admin']);
    const latest = gw.hub.registry.get('kpis.s2')!.history.seq;
    client.send({ type: 'sub', topic: 'kpis.s2', since: latest + 100 });
    await client.next('sub.ok');
    assert.equal((await client.next()).type, 'reset');
    await client.close();
  });

  it('gives a new gateway a new epoch, so a resume across a restart is a reset', async () => {
    const other = await startGateway();
    try {
      const a = gw.hub.registry.get('kpis.s2')!.history.epoch;
      const b = other.hub.registry.get('kpis.s2')!.history.epoch;
      assert.notEqual(a, b);
    } finally {
      await other.close();
    }
  });

  it('delivers a fresh topic nothing after sub.ok, then its first message as seq 1', async () => {
    gw.registerTopic('fresh.topic', { scopes: [] });
    const client = await connect(gw, []);
    client.send({ type: 'sub', topic: 'fresh.topic', since: 0 });
    const ok = await client.next('sub.ok');
    assert.equal(ok.seq, 0);
    gw.fanout('fresh.topic', 'first');
    const msg = await client.next();
    assert.ok(msg.type === 'msg');
    assert.equal(msg.seq, 1);
    assert.equal(msg.data, 'first');
    await client.close();
  });
});
