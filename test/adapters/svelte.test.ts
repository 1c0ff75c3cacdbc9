/**
 * The Svelte adapter in real Chromium with Svelte 5: the fixtures (test/adapters/fixtures/*.svelte) are compiled
 * by `svelte/compiler` as they are served (frameworks-plugin.mjs), mounted with `mount`, and driven on the mock
 * gateway with a fake clock: `$store` renders, the wire on a topic change and on unmount.
 */
import { expect } from '@open-wc/testing';
import { flushSync, mount, unmount } from 'svelte';
import { get } from 'svelte/store';
import { realtime, realtimeMulti } from '../../src/adapters/svelte.js';
import type { Client } from '../../src/core/types.js';
import App from './fixtures/App.svelte';
import { harness, LINGER, type Harness } from './harness.js';

interface AppExports {
  setTopic(name: string): void;
  hide(): void;
}

describe('Svelte adapter', () => {
  let rt: Harness;
  let client: Client;
  let el: HTMLElement;
  let app: AppExports | undefined;

  const start = (props: Record<string, unknown> = {}) => {
    el = document.createElement('div');
    document.body.append(el);
    app = mount(App, { target: el, props: { client, ...props } }) as unknown as AppExports;
    flushSync();
  };
  const text = (selector: string) => el.querySelector(selector)?.textContent;
  const settle = async (ms = 20) => {
    await rt.clock.tick(ms);
    flushSync();
  };

  beforeEach(() => {
    rt = harness();
    client = rt.client();
  });
  afterEach(() => {
    if (app) unmount(app);
    app = undefined;
    el?.remove();
    rt.stop();
  });

  // Svelte renders `null` as nothing: `|1|true|1` is error null, data 1, connected, 1 message.
  it('compiles with Svelte 5 and renders $store: { data, connected, error, stats } and the connection', async () => {
    rt.gw.publish('kpis.s2', { v: 1 });
    start();
    expect(text('.t')).to.equal('||false|0');
    await settle();
    expect(text('.t')).to.equal('|1|true|1');
    expect(text('.c')).to.equal('true|0');
    rt.gw.publish('kpis.s2', { v: 2 });
    await settle(0);
    expect(text('.t')).to.equal('|2|true|2');
  });

  it('follows a topic change ($derived store): the new one subscribes, the old one leaves after the linger', async () => {
    rt.gw.publish('liveops.events', { v: 7 });
    start();
    await settle();
    app!.setTopic('liveops.events');
    await settle();
    expect(text('.t')).to.equal('|7|true|1');
    expect(rt.wire()).to.deep.equal(['sub kpis.s2', 'sub liveops.events']);
    await settle(LINGER);
    expect(rt.wire()).to.deep.equal(['sub kpis.s2', 'sub liveops.events', 'unsub kpis.s2']);
  });

  it('unsubscribes on the wire after the linger once the component is destroyed', async () => {
    start();
    await settle();
    app!.hide();
    await settle(LINGER - 10);
    expect(rt.wire()).to.deep.equal(['sub kpis.s2']);
    await settle(20);
    expect(rt.wire()).to.deep.equal(['sub kpis.s2', 'unsub kpis.s2']);
  });

  it('reports a refused topic as a string error', async () => {
    start({ initial: 'secret.topic' });
    await settle();
    expect(text('.t')).to.equal('forbidden||false|0');
  });

  it('stores made outside components take the client explicitly and call subscribers only on real changes', async () => {
    const kpis = realtime<{ v: number }>('kpis.s2', {}, { client });
    const both = realtimeMulti(['kpis.s2', 'liveops.events'], {}, { client });
    const seen: unknown[] = [];
    const stop = kpis.subscribe((s) => seen.push(s));
    await rt.clock.tick(20);
    const count = seen.length;
    rt.gw.publish('liveops.events', { i: 1 }); // another topic: the connection's counters move, this store does not
    rt.gw.publish('kpis.s2', { v: 3 });
    expect(seen.length).to.equal(count + 1);
    expect(get(kpis).data).to.deep.equal({ v: 3 });
    expect(Object.keys(get(both))).to.deep.equal(['kpis.s2', 'liveops.events']);
    stop();
  });
});
