import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, type LogSink } from '../../../server/ops/log.js';
import { connect, startGateway } from '../helpers.js';

/** A sink that keeps every line, whatever its level. */
function recording(): { sink: LogSink; lines: string[] } {
  const lines: string[] = [];
  const keep = (line: string) => void lines.push(line);
  return { sink: { error: keep, warn: keep, info: keep, debug: keep }, lines };
}

describe("the gateway's log lines", () => {
  it("read as the seed's (README 'Logs'), also the fanout line of a fanout that spills into later turns", async () => {
    const { sink, lines } = recording();
    // One send per turn: a fanout to three subscribers takes three turns, and its line comes once, complete.
    const gw = await startGateway({ logger: createLogger('debug', sink), fanout: { budgetMs: 0, chunk: 1 } });
    try {
      const clients = await Promise.all([1, 2, 3].map(() => connect(gw, ['ops.admin'])));
      for (const client of clients) {
        client.send({ type: 'sub', topic: 'kpis.s2' });
        await client.next('sub.ok');
      }
      const result = gw.fanout('kpis.s2', { crash_free: 99.2 });
      assert.equal(
        lines.filter((line) => line.startsWith('[RT Fanout]')).length,
        0,
        'not before the fanout is complete',
      );
      await Promise.all(clients.map((client) => client.next('msg')));
      assert.deepEqual(result, { sent: 3, dropped: 0, pending: 0 });
      const id = lines.find((line) => line.startsWith('[RT WS] Client connected:'))?.match(/id: '([^']+)'/)?.[1];
      assert.ok(id);
      for (const expected of [
        /^\[RT WS\] WebSocket server started on \/rt \(http:\/\/127\.0\.0\.1:\d+\)$/,
        new RegExp(`^\\[RT WS\\] Client connected: \\{ id: '${id}', scopes: \\['ops\\.admin'\\] \\}$`),
        new RegExp(`^\\[RT WS\\] Subscribed: \\{ id: '${id}', topic: 'kpis\\.s2' \\}$`),
        /^\[RT Fanout\] kpis\.s2: sent=3, dropped=0$/,
      ])
        assert.ok(
          lines.some((line) => expected.test(line)),
          `${expected} in\n${lines.join('\n')}`,
        );
      assert.equal(lines.filter((line) => line.startsWith('[RT Fanout]')).length, 1, 'one line per message');
      await Promise.all(clients.map((client) => client.close()));
    } finally {
      await gw.close();
    }
  });
});
