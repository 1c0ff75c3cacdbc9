import { expect } from '@open-wc/testing';
import { append, latest, merge } from '../../src/core/reducers.js';
import type { MsgFrame } from '../../src/protocol/frames.js';

const frame = <T>(data: T): MsgFrame<T> => ({ type: 'msg', topic: 't', seq: 1, ts: 0, data });

describe('reducers', () => {
  it('latest keeps the last message', () => {
    expect(latest({ a: 1 }, { a: 2 })).to.deep.equal({ a: 2 });
  });

  it('append keeps the last `limit` messages, oldest first', () => {
    const fold = append<number>(3);
    let list: number[] | undefined;
    for (const n of [1, 2, 3, 4, 5]) list = fold(list, n, frame(n));
    expect(list).to.deep.equal([3, 4, 5]);
  });

  it('append does not mutate the previous list (stores compare by identity)', () => {
    const before = [1];
    const after = append<number>(10)(before, 2, frame(2));
    expect(before).to.deep.equal([1]);
    expect(after).to.not.equal(before);
  });

  it('merge applies a shallow patch', () => {
    expect(merge<{ gold: number; gems?: number }>({ gold: 1 }, { gems: 2 })).to.deep.equal({ gold: 1, gems: 2 });
    expect(merge<{ gold: number }>({ gold: 1 }, { gold: 3 })).to.deep.equal({ gold: 3 });
  });

  it('merge starts from the first patch and replaces on a non-object', () => {
    expect(merge<{ a: number }>(undefined, { a: 1 })).to.deep.equal({ a: 1 });
    expect(merge<unknown>({ a: 1 }, 7 as never)).to.equal(7);
  });
});
