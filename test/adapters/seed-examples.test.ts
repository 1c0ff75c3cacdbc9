/**
 * The seed's three React examples (seed-examples.tsx, unchanged) in real Chromium against the real reference
 * gateway: they render live data published by the gateway. Waits are on DOM changes, never on sleeps.
 */
import { expect } from '@open-wc/testing';
import { createElement } from 'react';
import { flushSync } from 'react-dom';
import { createRoot, type Root } from 'react-dom/client';
import { RealtimeProvider } from '../../src/adapters/react.js';
import { createClient } from '../../src/core/client.js';
import type { Logger } from '../../src/core/logger.js';
import type { Client } from '../../src/core/types.js';
import { fanout, startGateway, stopGateway, type TestGateway } from '../helpers/commands.js';
import { untilStore } from '../helpers/until.js';
import { Dashboard, MyComponent, StatusIndicator } from './seed-examples.js';

/**
 * Resolves once `el`'s text passes `test` (checked at once, then on every DOM change). Kept here: the shared
 * helpers (test/helpers/until.ts) wait on events and stores, and a React render fires neither.
 */
function untilText(el: HTMLElement, test: (text: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    const check = () => {
      const text = el.textContent ?? '';
      if (!test(text)) return false;
      observer.disconnect();
      resolve(text);
      return true;
    };
    const observer = new MutationObserver(check);
    if (!check()) observer.observe(el, { subtree: true, childList: true, characterData: true });
  });
}

describe("the seed's React examples against the real gateway", () => {
  let gw: TestGateway;
  let client: Client;
  let root: Root;
  const el = (id: string) => document.getElementById(id)!;

  beforeEach(async () => {
    gw = await startGateway();
    client = createClient({
      url: gw.wsUrl,
      scopes: ['ops.admin', 'liveops.admin'],
      auth: `${gw.url}/rt/ticket`,
      transports: ['websocket'],
    });
    // The seed reads `liveops.events` as a list (`data?.length`): the application decides how it folds.
    client.topic('liveops.events', { reduce: 'append', limit: 50 });
    const host = document.createElement('div');
    host.innerHTML = '<section id="basic"></section><section id="multi"></section><section id="conn"></section>';
    document.body.append(host);
    root = createRoot(host);
    flushSync(() =>
      root.render(
        createElement(
          RealtimeProvider,
          { client, scopes: ['ops.admin', 'liveops.admin'] },
          createElement('div', { id: 'basic' }, createElement(MyComponent)),
          createElement('div', { id: 'multi' }, createElement(Dashboard)),
          createElement('div', { id: 'conn' }, createElement(StatusIndicator)),
        ),
      ),
    );
  });
  afterEach(async () => {
    root.unmount();
    client.disconnect();
    await stopGateway(gw);
  });

  it('basic usage: Loading…, then the live KPI with status and message count', async () => {
    expect(el('basic').textContent).to.equal('Loading...');
    await untilText(el('conn'), (t) => t.includes('● Live'));
    // Published once every topic is live, so the messages arrive as live ones.
    await untilStore(client.topic('kpis.s2'), (s) => s.status === 'live');
    await fanout(gw, 'kpis.s2', { crash_free: 99.2, p95_gpu: 15.8, ts: Date.now() });
    expect(await untilText(el('basic'), (t) => t.includes('Crash-free'))).to.equal(
      'Status: LiveCrash-free: 99.2%Messages: 1',
    );
  });

  it('multiple topics: KPIs and the number of events', async () => {
    await Promise.all(
      ['kpis.s2', 'liveops.events'].map((name) => untilStore(client.topic(name), (s) => s.status === 'live')),
    );
    await fanout(gw, 'kpis.s2', { crash_free: 98.7, p95_gpu: 16, ts: Date.now() });
    await fanout(gw, 'liveops.events', { id: 'evt-1', when: Date.now() });
    await fanout(gw, 'liveops.events', { id: 'evt-2', when: Date.now() });
    expect(await untilText(el('multi'), (t) => t.includes('Events: 2'))).to.equal('KPIs: 98.7%Events: 2');
  });

  it('connection only: Live with the reconnect count', async () => {
    expect(el('conn').textContent).to.equal('○ OfflineReconnects: 0');
    expect(await untilText(el('conn'), (t) => t.includes('● Live'))).to.equal('● LiveReconnects: 0');
    expect(el('conn').querySelector('span')!.className).to.equal('online');
  });

  it('basic usage: renders the error as text when the ticket is refused', async () => {
    root.unmount();
    client.disconnect();
    const auth = () => Promise.reject({ status: 403, message: 'ticket refused: no ops.admin for this user' });
    // The client tells each problem once: to this logger, where the test reads it, instead of the console.
    const problems: unknown[] = [];
    const logger: Logger = (_level, event, data) => void (event === 'problem' && problems.push(data));
    client = createClient({ url: gw.wsUrl, scopes: ['ops.admin'], auth, transports: ['websocket'], logger });
    const host = document.createElement('div');
    document.body.append(host);
    root = createRoot(host);
    flushSync(() => root.render(createElement(RealtimeProvider, { client }, createElement(MyComponent))));
    expect(await untilText(host, (t) => t.startsWith('Error'))).to.equal(
      'Error: ticket refused: no ops.admin for this user',
    );
    expect(problems).to.deep.equal([
      { source: 'ticket', code: 403, reason: 'ticket refused: no ops.admin for this user' },
    ]);
  });
});
