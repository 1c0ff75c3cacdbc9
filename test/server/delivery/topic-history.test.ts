import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EPOCH } from '../../../src/protocol/index.js';
import { PreparedFrame } from '../../../server/delivery/prepared-frame.js';
import { TopicHistory, createEpoch, type ResumePlan } from '../../../server/delivery/topic-history.js';

const TOPIC = 'kpis.s2';

/** Appends `count` messages the way the hub does: seq from `next()`, then `append`. */
function publish(history: TopicHistory, count: number): PreparedFrame[] {
  const frames: PreparedFrame[] = [];
  for (let i = 0; i < count; i++) {
    const seq = history.next();
    const frame = PreparedFrame.message(TOPIC, seq, 1_700_000_000_000 + seq, { n: seq });
    history.append(frame);
    frames.push(frame);
  }
  return frames;
}

function seqOf(frame: PreparedFrame): number {
  return (JSON.parse(frame.json) as { seq: number }).seq;
}

function plan(p: ResumePlan): { reset: boolean; seqs: number[] } {
  return { reset: p.reset, seqs: p.frames.map(seqOf) };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('TopicHistory', () => {
  describe('construction', () => {
    it('refuses a capacity that is not an integer of at least 1', () => {
      for (const capacity of [0, -1, 1.5, NaN, Infinity]) {
        assert.throws(() => new TopicHistory(capacity), RangeError, String(capacity));
      }
    });

    it('starts at seq 0 with a fresh, well-formed epoch', () => {
      const a = new TopicHistory(10);
      const b = new TopicHistory(10);
      assert.equal(a.seq, 0);
      assert.match(a.epoch, EPOCH);
      assert.notEqual(a.epoch, b.epoch);
    });

    it('keeps a given epoch', () => {
      assert.equal(new TopicHistory(10, 'e1').epoch, 'e1');
    });

    it('creates distinct well-formed epochs', () => {
      const epochs = new Set(Array.from({ length: 100 }, createEpoch));
      assert.equal(epochs.size, 100);
      for (const e of epochs) assert.match(e, EPOCH);
    });
  });

  describe('seq', () => {
    it('numbers messages from 1, one more per message', () => {
      const history = new TopicHistory(10);
      assert.equal(history.next(), 1);
      assert.equal(history.next(), 1, 'next() does not advance by itself');
      publish(history, 3);
      assert.equal(history.seq, 3);
      assert.equal(history.next(), 4);
    });

    it('has no latest message before the first', () => {
      assert.equal(new TopicHistory(10).latest(), undefined);
    });

    it('returns the very frame last appended as latest', () => {
      const history = new TopicHistory(3);
      const frames = publish(history, 5);
      assert.equal(history.latest(), frames[4]);
    });
  });

  describe('ring eviction', () => {
    it('holds from seq 1 until the capacity is exceeded', () => {
      const history = new TopicHistory(3);
      publish(history, 3);
      assert.equal(history.oldest, 1);
    });

    it('evicts the oldest messages beyond the capacity', () => {
      const history = new TopicHistory(3);
      publish(history, 5);
      assert.equal(history.oldest, 3);
      assert.deepEqual(plan(history.resume(2)), { reset: false, seqs: [3, 4, 5] });
      assert.deepEqual(plan(history.resume(1)), { reset: true, seqs: [5] });
    });

    it('keeps the last 100 of 250 messages in order', () => {
      const history = new TopicHistory(100);
      publish(history, 250);
      assert.equal(history.oldest, 151);
      assert.deepEqual(plan(history.resume(150)), { reset: false, seqs: range(151, 250) });
    });
  });

  describe('resume', () => {
    it('sends only the latest message when there is no since', () => {
      const history = new TopicHistory(10);
      publish(history, 4);
      assert.deepEqual(plan(history.resume()), { reset: false, seqs: [4] });
    });

    it('sends nothing when there is no since and the topic is empty', () => {
      assert.deepEqual(plan(new TopicHistory(10).resume()), { reset: false, seqs: [] });
    });

    it('replays exactly the missing messages, in order, for a since within history', () => {
      const history = new TopicHistory(10);
      publish(history, 8);
      assert.deepEqual(plan(history.resume(5)), { reset: false, seqs: [6, 7, 8] });
    });

    it('replays the same frame objects, not copies', () => {
      const history = new TopicHistory(10);
      const frames = publish(history, 3);
      assert.deepEqual(history.resume(1).frames, frames.slice(1));
      assert.equal(history.resume(1).frames[0], frames[1]);
    });

    it('replays everything for since 0 while nothing has been evicted', () => {
      const history = new TopicHistory(10);
      publish(history, 4);
      assert.deepEqual(plan(history.resume(0)), { reset: false, seqs: [1, 2, 3, 4] });
    });

    it('sends nothing for since equal to the latest seq', () => {
      const history = new TopicHistory(10);
      publish(history, 4);
      assert.deepEqual(plan(history.resume(4)), { reset: false, seqs: [] });
    });

    it('replays from the oldest held message for since = oldest - 1', () => {
      const history = new TopicHistory(5);
      publish(history, 12);
      assert.equal(history.oldest, 8);
      assert.deepEqual(plan(history.resume(7)), { reset: false, seqs: [8, 9, 10, 11, 12] });
    });

    it('resets and sends the latest for since older than oldest - 1', () => {
      const history = new TopicHistory(5);
      publish(history, 12);
      assert.deepEqual(plan(history.resume(6)), { reset: true, seqs: [12] });
      assert.deepEqual(plan(history.resume(0)), { reset: true, seqs: [12] });
    });

    it('resets and sends the latest for since beyond the latest seq', () => {
      const history = new TopicHistory(10);
      publish(history, 3);
      assert.deepEqual(plan(history.resume(4)), { reset: true, seqs: [3] });
      assert.deepEqual(plan(history.resume(1_000_000)), { reset: true, seqs: [3] });
    });

    it('resets with nothing to send for a since on an empty topic', () => {
      assert.deepEqual(plan(new TopicHistory(10).resume(5)), { reset: true, seqs: [] });
    });

    it('sends nothing and does not reset for since 0 on an empty topic', () => {
      assert.deepEqual(plan(new TopicHistory(10).resume(0)), { reset: false, seqs: [] });
    });

    it('resets and sends the latest for another epoch, even with a since that would be resumable', () => {
      const history = new TopicHistory(10, 'current');
      publish(history, 5);
      assert.deepEqual(plan(history.resume(3, 'previous')), { reset: true, seqs: [5] });
      assert.deepEqual(plan(history.resume(5, 'previous')), { reset: true, seqs: [5] });
    });

    it('resets with nothing to send for another epoch on an empty topic', () => {
      assert.deepEqual(plan(new TopicHistory(10, 'current').resume(0, 'previous')), { reset: true, seqs: [] });
    });

    it('replays normally when the epoch matches', () => {
      const history = new TopicHistory(10, 'current');
      publish(history, 5);
      assert.deepEqual(plan(history.resume(3, 'current')), { reset: false, seqs: [4, 5] });
    });

    it('takes a since without epoch as the current epoch', () => {
      const history = new TopicHistory(10, 'current');
      publish(history, 5);
      assert.deepEqual(plan(history.resume(3)), { reset: false, seqs: [4, 5] });
    });

    it('ignores the epoch when there is no since', () => {
      const history = new TopicHistory(10, 'current');
      publish(history, 5);
      assert.deepEqual(plan(history.resume(undefined, 'previous')), { reset: false, seqs: [5] });
    });
  });

  describe('capacity 1', () => {
    it('always holds exactly the latest message', () => {
      const history = new TopicHistory(1);
      const frames = publish(history, 3);
      assert.equal(history.latest(), frames[2]);
      assert.equal(history.oldest, 3);
    });

    it('replays the latest for since = latest - 1, nothing for since = latest, and resets below', () => {
      const history = new TopicHistory(1);
      publish(history, 3);
      assert.deepEqual(plan(history.resume(2)), { reset: false, seqs: [3] });
      assert.deepEqual(plan(history.resume(3)), { reset: false, seqs: [] });
      assert.deepEqual(plan(history.resume(1)), { reset: true, seqs: [3] });
      assert.deepEqual(plan(history.resume()), { reset: false, seqs: [3] });
    });

    it('replays the first message for since 0 after one message', () => {
      const history = new TopicHistory(1);
      publish(history, 1);
      assert.deepEqual(plan(history.resume(0)), { reset: false, seqs: [1] });
    });
  });

  describe('every since against every history state (exhaustive, small)', () => {
    it('delivers exactly seq > since when resumable, else reset + latest', () => {
      for (const capacity of [1, 2, 3, 5]) {
        for (let published = 0; published <= 8; published++) {
          const history = new TopicHistory(capacity);
          publish(history, published);
          const oldest = Math.max(1, published - capacity + 1);
          for (let since = 0; since <= 10; since++) {
            const resumable = since >= oldest - 1 && since <= published;
            const expected = resumable
              ? { reset: false, seqs: range(since + 1, published) }
              : { reset: true, seqs: published === 0 ? [] : [published] };
            assert.deepEqual(
              plan(history.resume(since)),
              expected,
              `capacity ${capacity}, ${published} published, since ${since}`,
            );
          }
        }
      }
    });
  });
});
