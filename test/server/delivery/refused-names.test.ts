/**
 * What a client sends as a topic name reaches the logs only when it is a registered topic: an unknown name is
 * whatever the client typed (issue 19: `jane.doe.private` must not land in the logs).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../../server/ops/log.js';
import { connect, startGateway } from '../helpers.js';

describe('the log line of a refused subscription', () => {
  it('names a registered topic, and never an unknown name a client sent', async () => {
    const lines: string[] = [];
    const record = (line: string) => void lines.push(line);
    const logger = createLogger('info', { error: record, warn: record, info: record, debug: record });
    const gw = await startGateway({ logger });
    try {
      const client = await connect(gw, ['ops.admin']);
      client.send({ type: 'sub', topic: 'jane.doe.private' });
      assert.equal((await client.next('sub.err')).code, 'unknown_topic');
      client.send({ type: 'sub', topic: 'economy.patch' });
      assert.equal((await client.next('sub.err')).code, 'forbidden');
      await client.close();
    } finally {
      await gw.close();
    }
    const refused = lines.filter((line) => line.includes('Subscribe refused'));
    assert.equal(refused.length, 2);
    assert.doesNotMatch(lines.join('\n'), /jane\.doe/);
    assert.match(refused[1] ?? '', /economy\.patch/);
  });
});
