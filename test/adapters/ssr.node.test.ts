/**
 * The adapters in server rendering (Node, no DOM): importing them touches no `window`; React's `renderToString`
 * and Vue's `renderToString` render the state before any connection, open no connection and leave no
 * subscription behind; the Svelte stores work in Node.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';

const noDom = () => assert.equal(typeof (globalThis as { window?: unknown }).window, 'undefined');

/** Options whose every attempt to reach a network would be counted. */
function counted() {
  const calls = { tickets: 0, sockets: 0 };
  const WebSocket = class {
    constructor() {
      calls.sockets++;
      throw new Error('no sockets on the server');
    }
  } as unknown as typeof globalThis.WebSocket;
  const options = {
    url: 'ws://127.0.0.1:1/rt',
    scopes: ['ops.admin', 'liveops.admin'],
    auth: async () => {
      calls.tickets++;
      throw new Error('no tickets on the server');
    },
    WebSocket,
  };
  return { calls, options };
}

describe('adapters on the server', () => {
  it('import without window, document or navigator', async () => {
    noDom();
    const [react, vue, svelte] = await Promise.all([
      import('../../src/adapters/react.js'),
      import('../../src/adapters/vue.js'),
      import('../../src/adapters/svelte.js'),
    ]);
    assert.equal(typeof react.useRealtime, 'function');
    assert.equal(typeof vue.useRealtime, 'function');
    assert.equal(typeof svelte.realtime, 'function');
    noDom();
  });

  it("React: renderToString renders the seed's hooks from the server snapshot and connects nothing", async () => {
    const { RealtimeProvider, useRealtime, useRealtimeConnection, useRealtimeMulti } =
      await import('../../src/adapters/react.js');
    const { calls, options } = counted();
    function Page() {
      const { data, connected, error, stats } = useRealtime<{ crash_free: number }>('kpis.s2', {
        scopes: ['ops.admin'],
      });
      const topics = useRealtimeMulti<{ length: number }>(['kpis.s2', 'liveops.events']);
      const conn = useRealtimeConnection();
      return createElement(
        'p',
        null,
        `${error}|${data?.crash_free}|${connected}|${stats.messagesReceived}|` +
          `${topics['liveops.events']?.status}|${conn.connected}|${conn.state}|${conn.stats.reconnectCount}`,
      );
    }
    const html = renderToString(createElement(RealtimeProvider, { options }, createElement(Page)));
    assert.equal(html, '<p>null|undefined|false|0|idle|false|closed|0</p>');
    await new Promise((r) => setTimeout(r, 0)); // anything a render started would have run by now
    assert.deepEqual(calls, { tickets: 0, sockets: 0 });
    noDom();
  });

  it('React: with an application client, the server snapshot is the same and no topic stays subscribed', async () => {
    const { createClient } = await import('../../src/index.js');
    const { RealtimeProvider, useRealtime } = await import('../../src/adapters/react.js');
    const { calls, options } = counted();
    const client = createClient({ ...options, autoConnect: false });
    const Page = () => createElement('p', null, useRealtime('kpis.s2').status);
    const html = renderToString(createElement(RealtimeProvider, { client }, createElement(Page)));
    assert.equal(html, '<p>idle</p>');
    assert.equal(client.topic('kpis.s2').get().status, 'idle');
    assert.deepEqual(calls, { tickets: 0, sockets: 0 });
  });

  it('Vue: renderToString renders the state before any connection and subscribes nothing', async () => {
    const { createSSRApp, defineComponent, h } = await import('vue');
    const { renderToString: vueToString } = await import('vue/server-renderer');
    const { createClient } = await import('../../src/index.js');
    const { createRealtime, useRealtime, useRealtimeConnection } = await import('../../src/adapters/vue.js');
    const { calls, options } = counted();
    const client = createClient({ ...options, autoConnect: false });
    const Page = defineComponent({
      setup() {
        const kpis = useRealtime<{ crash_free: number }>('kpis.s2');
        const conn = useRealtimeConnection();
        return () => h('p', `${kpis.value.status}|${kpis.value.data?.crash_free}|${conn.value.connected}`);
      },
    });
    const html = await vueToString(createSSRApp(Page).use(createRealtime({ client })));
    assert.equal(html, '<p>idle|undefined|false</p>');
    assert.equal(client.topic('kpis.s2').get().status, 'idle');
    assert.deepEqual(calls, { tickets: 0, sockets: 0 });
  });

  it('Svelte: the stores follow the store contract in Node', async () => {
    const { createClient } = await import('../../src/index.js');
    const { realtime, realtimeConnection } = await import('../../src/adapters/svelte.js');
    const { get } = await import('svelte/store');
    const { options } = counted();
    const client = createClient({ ...options, autoConnect: false });
    assert.equal(get(realtime('kpis.s2', {}, { client })).status, 'closed');
    assert.equal(get(realtimeConnection({ client })).state, 'closed');
  });
});
