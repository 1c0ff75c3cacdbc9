import { expect } from '@open-wc/testing';
import { atom } from '../../src/core/store.js';
import { catchUncaught, type Uncaught } from '../helpers/uncaught.js';

describe('atom', () => {
  it('subscribe calls the listener at once, then on every change', () => {
    const store = atom(1);
    const seen: number[] = [];
    store.subscribe((v) => seen.push(v));
    store.set(2);
    expect(seen).to.deep.equal([1, 2]);
  });

  it('listen waits for the next change', () => {
    const store = atom('a');
    const seen: string[] = [];
    store.listen((v) => seen.push(v));
    store.set('b');
    expect(seen).to.deep.equal(['b']);
  });

  it('works with detached methods (no `this`), as Svelte and useSyncExternalStore call them', () => {
    const { get, subscribe, set } = atom(0);
    const seen: number[] = [];
    const stop = subscribe((v) => seen.push(v));
    set(5);
    stop();
    set(6);
    expect(get()).to.equal(6);
    expect(seen).to.deep.equal([0, 5]);
  });

  it('runs onStart for the first listener and onStop when the last leaves', () => {
    const log: string[] = [];
    const store = atom(
      0,
      () => log.push('start'),
      () => log.push('stop'),
    );
    const a = store.subscribe(() => {});
    const b = store.subscribe(() => {});
    a();
    expect(log).to.deep.equal(['start']);
    b();
    expect(log).to.deep.equal(['start', 'stop']);
  });

  it('an unbind called twice does not remove another listener', () => {
    const store = atom(0);
    const seen: number[] = [];
    const a = store.listen(() => {});
    store.listen((v) => seen.push(v));
    a();
    a();
    store.set(1);
    expect(seen).to.deep.equal([1]);
  });

  it('the same listener added twice is called twice and unbound one at a time', () => {
    const store = atom(0);
    let calls = 0;
    const fn = () => calls++;
    const a = store.listen(fn);
    store.listen(fn);
    store.set(1);
    a();
    store.set(2);
    expect(calls).to.equal(3);
  });
});

describe('atom: a listener that throws', () => {
  let uncaught: Uncaught;
  beforeEach(() => (uncaught = catchUncaught()));
  afterEach(() => uncaught.restore());

  it('does not keep the other listeners from being called, and the error is reported and rethrown', async () => {
    const reported: unknown[] = [];
    const store = atom(0, undefined, undefined, (e) => reported.push(e));
    const boom = new Error('boom');
    const seen: number[] = [];
    store.listen(() => {
      throw boom;
    });
    store.listen((v) => seen.push(v));
    expect(() => store.set(1)).to.not.throw();
    expect(seen).to.deep.equal([1]);
    expect(store.get()).to.equal(1);
    expect(reported).to.deep.equal([boom]);
    await uncaught.settle();
    expect(uncaught.errors).to.deep.equal([boom]); // not swallowed: rethrown on a microtask
    expect(uncaught.printed).to.deep.equal([boom]); // what the page would print
  });

  it('subscribe still returns a working unbind when the first call throws', async () => {
    const log: string[] = [];
    const store = atom(
      0,
      () => log.push('start'),
      () => log.push('stop'),
    );
    const stop = store.subscribe(() => {
      throw new Error('at once');
    });
    stop();
    expect(log).to.deep.equal(['start', 'stop']);
    await uncaught.settle();
    expect(uncaught.errors.length).to.equal(1);
    expect(uncaught.printed.map((e) => (e as Error).message)).to.deep.equal(['at once']);
  });
});
