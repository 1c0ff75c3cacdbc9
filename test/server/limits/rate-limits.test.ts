import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IpLimiter, addressKey } from '../../../server/limits/rate-limits.js';

describe('addressKey', () => {
  it('counts an IPv4 address, plain or IPv4-mapped, as itself', () => {
    assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7');
  });

  it('counts every IPv6 address of one /64 as the same client, however it is written', () => {
    const keys = [
      '2001:db8:0:1::5',
      '2001:db8:0:1:aaaa:bbbb:cccc:dddd',
      '2001:0DB8:0000:0001::',
      '2001:db8:0:1:0:0:0:1',
    ].map(addressKey);
    assert.equal(new Set(keys).size, 1);
    assert.notEqual(addressKey('2001:db8:0:2::5'), keys[0]);
  });
});

describe('IpLimiter', () => {
  it('allows a burst, then answers how long to wait', () => {
    const limiter = new IpLimiter({ burst: 2, perSecond: 0.5 }, 100);
    assert.equal(limiter.take('203.0.113.7', 0), 0);
    assert.equal(limiter.take('203.0.113.7', 0), 0);
    assert.equal(limiter.take('203.0.113.7', 0), 2);
    assert.equal(limiter.take('203.0.113.8', 0), 0, 'another address has its own bucket');
    assert.equal(limiter.take('203.0.113.7', 2000), 0, 'refilled');
  });

  it('rotating through a /64 does not escape the limit', () => {
    const limiter = new IpLimiter({ burst: 3, perSecond: 0.001 }, 100);
    const waits = Array.from({ length: 5 }, (_, i) => limiter.take(`2001:db8::${i + 1}`, 0));
    assert.deepEqual(
      waits.map((w) => w > 0),
      [false, false, false, true, true],
    );
  });

  it('tracks at most maxTracked addresses, forgetting the least recently seen', () => {
    const limiter = new IpLimiter({ burst: 1, perSecond: 0.001 }, 3);
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) limiter.take(ip, 0);
    limiter.take('10.0.0.1', 0); // seen again: now the most recent
    limiter.take('10.0.0.4', 0); // evicts 10.0.0.2
    assert.equal(limiter.size, 3);
    assert.equal(limiter.take('10.0.0.2', 0), 0, 'forgotten, so a fresh bucket');
    assert.ok(limiter.take('10.0.0.1', 0) > 0, 'remembered');
  });
});
