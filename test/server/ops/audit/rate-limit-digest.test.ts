import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditRecord } from '../../../../server/ops/audit/entry.js';
import { RateLimitDigest } from '../../../../server/ops/audit/rate-limit-digest.js';

describe('RateLimitDigest', () => {
  it('writes the first hit at once and folds the rest of its window into the next entry', () => {
    let now = 0;
    const written: AuditRecord[] = [];
    const digest = new RateLimitDigest(
      (r) => written.push(r),
      () => now,
      10_000,
    );
    for (let i = 0; i < 500; i++) digest.hit('frames', 'websocket');
    digest.hit('connections_per_ip', 'sse');
    assert.deepEqual(written, [
      { event: 'rate_limited', transport: 'websocket', reason: 'frames', count: 1 },
      { event: 'rate_limited', transport: 'sse', reason: 'connections_per_ip', count: 1 },
    ]);
    now = 10_000;
    digest.hit('frames', 'websocket');
    assert.deepEqual(written.at(-1), { event: 'rate_limited', transport: 'websocket', reason: 'frames', count: 500 });
  });

  it('writes what is still counted when flushed', () => {
    const written: AuditRecord[] = [];
    const digest = new RateLimitDigest(
      (r) => written.push(r),
      () => 0,
    );
    for (let i = 0; i < 3; i++) digest.hit('subscriptions', 'websocket');
    digest.flush();
    digest.flush();
    assert.deepEqual(
      written.map((r) => r.count),
      [1, 2],
    );
  });
});
