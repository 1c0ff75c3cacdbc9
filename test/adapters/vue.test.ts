/**
 * The Vue 3 adapter in real Chromium (vue.esm-browser), on the mock gateway and a fake clock: refs that follow
 * the topic, the wire on unmount and on a topic change (a ref as the name), and effect-scope cleanup.
 */
import { expect } from '@open-wc/testing';
import { createApp, defineComponent, effectScope, h, nextTick, ref, type App, type Component } from 'vue';
import {
  createRealtime,
  provideRealtime,
  useRealtime,
  useRealtimeConnection,
  useRealtimeMulti,
} from '../../src/adapters/vue.js';
import type { Client } from '../../src/core/types.js';
import { harness, LINGER, type Harness } from './harness.js';

interface Kpi {
  v: number;
}

describe('Vue adapter', () => {
  let rt: Harness;
  let client: Client;
  let app: App | undefined;
  let el: HTMLElement;

  const mount = (component: Component, scopes?: string[]) => {
    el = document.createElement('div');
    document.body.append(el);
    app = createApp(component).use(createRealtime({ client, scopes }));
    app.mount(el);
  };
  const unmount = () => {
    app?.unmount();
    app = undefined;
    el.remove();
  };

  const topic = ref('kpis.s2');
  const Topic = defineComponent({
    props: { scopes: { type: Array as () => string[], required: false } },
    setup(props) {
      const state = useRealtime<Kpi>(topic, props.scopes && { scopes: props.scopes });
      return () => {
        const { error, data, connected, stats } = state.value;
        return h('p', { class: 't' }, `${error}|${data?.v}|${connected}|${stats.messagesReceived}`);
      };
    },
  });
  const text = (selector: string) => el.querySelector(selector)?.textContent;

  beforeEach(() => {
    rt = harness();
    client = rt.client();
    topic.value = 'kpis.s2';
  });
  afterEach(() => {
    unmount();
    rt.stop();
  });

  it('useRealtime: a ref of { data, connected, error, stats } that follows the topic live', async () => {
    rt.gw.publish('kpis.s2', { v: 1 });
    mount(Topic);
    expect(text('.t')).to.equal('null|undefined|false|0');
    await rt.clock.tick(20);
    expect(text('.t')).to.equal('null|1|true|1');
    rt.gw.publish('kpis.s2', { v: 2 });
    await nextTick();
    expect(text('.t')).to.equal('null|2|true|2');
  });

  it('unsubscribes on the wire after the linger once the component unmounts', async () => {
    mount(Topic);
    await rt.clock.tick(20);
    unmount();
    await rt.clock.tick(LINGER - 10);
    expect(rt.wire()).to.deep.equal(['sub kpis.s2']);
    await rt.clock.tick(20);
    expect(rt.wire()).to.deep.equal(['sub kpis.s2', 'unsub kpis.s2']);
  });

  it('follows a ref topic name: the new one subscribes, the old one leaves after the linger', async () => {
    rt.gw.publish('liveops.events', { v: 7 });
    mount(Topic);
    await rt.clock.tick(20);
    topic.value = 'liveops.events';
    await rt.clock.tick(20);
    expect(text('.t')).to.equal('null|7|true|1');
    expect(rt.wire()).to.deep.equal(['sub kpis.s2', 'sub liveops.events']);
    await rt.clock.tick(LINGER);
    expect(rt.wire()).to.deep.equal(['sub kpis.s2', 'sub liveops.events', 'unsub kpis.s2']);
  });

  it('reports a missing scope, a refused topic and a stopped client as string errors', async () => {
    mount(
      defineComponent(() => () => h(Topic, { scopes: ['economy.admin'] })),
      ['ops.admin'],
    );
    await rt.clock.tick(20);
    expect(text('.t')).to.equal('missing scope: economy.admin|undefined|false|0');
    expect(rt.wire()).to.deep.equal([]);
    unmount();
    topic.value = 'secret.topic';
    mount(Topic);
    await rt.clock.tick(20);
    expect(text('.t')).to.equal('forbidden|undefined|false|0');
    rt.gw.last.close(4403, 'scope revoked');
    await rt.clock.tick(10);
    expect(text('.t')).to.equal('scope revoked|undefined|false|0');
    expect(rt.problems).to.deep.equal([{ source: 'close', code: 4403, reason: 'scope revoked' }]);
  });

  it('useRealtimeMulti and useRealtimeConnection: refs of the map and of the connection', async () => {
    mount(
      defineComponent(() => {
        const topics = useRealtimeMulti<Kpi>(['kpis.s2', 'liveops.events']);
        const conn = useRealtimeConnection();
        return () =>
          h(
            'p',
            { class: 'm' },
            `${topics.value['kpis.s2']?.data?.v}/${topics.value['liveops.events']?.data?.v}|` +
              `${conn.value.connected}|${conn.value.stats.reconnectCount}`,
          );
      }),
    );
    await rt.clock.tick(20);
    rt.gw.publish('kpis.s2', { v: 1 });
    rt.gw.publish('liveops.events', { v: 2 });
    await nextTick();
    expect(text('.m')).to.equal('1/2|true|0');
    rt.gw.last.close(1011, 'oops');
    await rt.until(() => client.status.get().connected && client.status.get().stats.reconnectCount > 0);
    await nextTick();
    expect(text('.m')).to.equal('1/2|true|1');
  });

  it('works in any effect scope and releases the topic when the scope stops', async () => {
    const scope = effectScope();
    const parent = defineComponent(() => {
      provideRealtime({ client });
      return () => h(Topic);
    });
    mount(parent);
    await rt.clock.tick(20);
    // A scope outside components: the context is passed by hand through an app's runWithContext.
    const state = app!.runWithContext(() => scope.run(() => useRealtime<Kpi>('liveops.events'))!);
    await rt.clock.tick(20);
    expect(state.value.status).to.equal('live');
    scope.stop();
    await rt.clock.tick(LINGER + 10);
    expect(rt.wire()).to.deep.equal(['sub kpis.s2', 'sub liveops.events', 'unsub liveops.events']);
  });
});
