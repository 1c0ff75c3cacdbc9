import { expect } from '@open-wc/testing';
import { closeAction } from '../../src/core/close-codes.js';

describe('closeAction', () => {
  const table: [number[], string][] = [
    [[1000, 4403, 1008, 1009, 1002, 1003, 1007], 'stop'],
    [[1001, 1006, 1011, 1012, 4408], 'retry'],
    [[1013, 4429], 'busy'],
    [[4401], 'reauth'],
  ];
  for (const [codes, action] of table) {
    it(`${codes.join(', ')} → ${action}`, () => {
      for (const code of codes) expect(closeAction(code), String(code)).to.equal(action);
    });
  }

  it('reconnects with backoff on a code it does not know', () => {
    expect(closeAction(1005)).to.equal('retry');
    expect(closeAction(4999)).to.equal('retry');
  });
});
