/**
 * The React adapter in real Chromium with React 19 (react-dom/client), on the mock gateway and a fake clock:
 * what the hooks return, what reaches the wire (StrictMode, unmount, topic changes), and that snapshots are
 * stable (no render for a change the component does not show).
 */
import { expect } from '@open-wc/testing';
import { createElement, StrictMode, type ReactElement } from 'react';
import { flushSync } from 'react-dom';
import { createRoot, type Root } from 'react-dom/client';
import {
  RealtimeProvider,
  useRealtime,
  useRealtimeConnection,
  useRealtimeMulti,
  type RealtimeTopic,
} from '../../src/adapters/react.js';
import type { Client } from '../../src/core/types.js';
import { harness, LINGER, type Harness } from './harness.js';

interface Kpi {
  v: number;
}

/** Renders `element` synchronously into a fresh container. */
function mount(element: ReactElement): { el: HTMLElement; root: Root; render(e: ReactElement): void; unmount(): void } {
  const el = document.createElement('div');
  document.body.append(el);
  const root = createRoot(el);
  const render = (e: ReactElement) => flushSync(() => root.render(e));
  render(element);
  return {
    el,
    root,
    render,
    unmount: () => {
      flushSync(() => root.unmount());
      el.remove();
    },
  };
}

const text = (el: HTMLElement, selector: string) => el.querySelector(selector)?.textContent;

describe('React adapter', () => {
  let h: Harness;
  let client: Client;
  let view: ReturnType<typeof mount> | undefined;
  const seen: RealtimeTopic<Kpi>[] = [];

  /** One topic, rendered as `error|data|connected|messages`; every value it got is kept in `seen`. */
  function Topic({ topic, scopes }: { topic: string; scopes?: string[] }) {
    const state = useRealtime<Kpi>(topic, scopes && { scopes });
    seen.push(state);
    const { data, connected, error, stats } = state;
    return createElement('p', { className: 't' }, `${error}|${data?.v}|${connected}|${stats.messagesReceived}`);
  }
  const withClient = (child: ReactElement, scopes?: string[]) =>
    createElement(RealtimeProvider, { client, ...(scopes && { scopes }) }, child);

  beforeEach(() => {
    h = harness();
    seen.length = 0;
  });
  afterEach(() => {
    view?.unmount();
    view = undefined;
    h.stop();
  });

  describe('useRealtime', () => {
    beforeEach(() => (client = h.client()));

    it("returns the seed's { data, connected, error, stats } and follows the topic live", async () => {
      h.gw.publish('kpis.s2', { v: 1 });
      view = mount(withClient(createElement(Topic, { topic: 'kpis.s2' })));
      expect(text(view.el, '.t')).to.equal('null|undefined|false|0');
      await h.clock.tick(20);
      expect(text(view.el, '.t')).to.equal('null|1|true|1');
      h.gw.publish('kpis.s2', { v: 2 });
      await h.clock.settle();
      expect(text(view.el, '.t')).to.equal('null|2|true|2');
      expect(seen.at(-1)).to.include({ status: 'live', error: null, connected: true });
    });

    it('does not render again for changes it does not show (messages on other topics)', async () => {
      view = mount(
        withClient(createElement('div', null, createElement(Topic, { topic: 'kpis.s2' }), createElement(Other))),
      );
      await h.clock.tick(20);
      const renders = seen.length;
      for (let i = 0; i < 5; i++) h.gw.publish('liveops.events', { i });
      await h.clock.settle();
      expect(client.status.get().stats.messagesReceived).to.equal(5);
      expect(seen.length).to.equal(renders);
    });

    it('subscribes once under StrictMode (double mount) and unsubscribes after the linger on unmount', async () => {
      view = mount(createElement(StrictMode, null, withClient(createElement(Topic, { topic: 'kpis.s2' }))));
      await h.clock.tick(20);
      expect(h.wire()).to.deep.equal(['sub kpis.s2']);
      view.unmount();
      view = undefined;
      await h.clock.tick(LINGER - 10);
      expect(h.wire()).to.deep.equal(['sub kpis.s2']);
      await h.clock.tick(20);
      expect(h.wire()).to.deep.equal(['sub kpis.s2', 'unsub kpis.s2']);
    });

    it('moves to a new topic when the name changes: the new one subscribes, the old one leaves after the linger', async () => {
      h.gw.publish('liveops.events', { v: 7 });
      view = mount(withClient(createElement(Topic, { topic: 'kpis.s2' })));
      await h.clock.tick(20);
      view.render(withClient(createElement(Topic, { topic: 'liveops.events' })));
      await h.clock.tick(20);
      expect(h.wire()).to.deep.equal(['sub kpis.s2', 'sub liveops.events']);
      expect(text(view.el, '.t')).to.equal('null|7|true|1');
      await h.clock.tick(LINGER);
      expect(h.wire()).to.deep.equal(['sub kpis.s2', 'sub liveops.events', 'unsub kpis.s2']);
    });

    it('reports a refused subscription as a string error', async () => {
      view = mount(withClient(createElement(Topic, { topic: 'secret.topic' })));
      await h.clock.tick(20);
      expect(text(view.el, '.t')).to.equal('forbidden|undefined|false|0');
    });

    it('reports the reason the client stopped as a string error', async () => {
      view = mount(withClient(createElement(Topic, { topic: 'kpis.s2' })));
      await h.clock.tick(20);
      h.gw.last.close(4403, 'scope revoked');
      await h.clock.tick(10);
      expect(text(view.el, '.t')).to.equal('scope revoked|undefined|false|0');
      expect(h.problems).to.deep.equal([{ source: 'close', code: 4403, reason: 'scope revoked' }]);
    });

    it('reports a revocation (4410) as the string error revoked, and the client stays stopped', async () => {
      view = mount(withClient(createElement(Topic, { topic: 'kpis.s2' })));
      await h.clock.tick(20);
      h.gw.last.close(4410, 'revoked');
      await h.clock.tick(60_000);
      expect(text(view.el, '.t')).to.equal('revoked|undefined|false|0');
      expect(h.gw.connections.length).to.equal(1);
    });

    it('checks its scopes against the provider: a missing one is an error and nothing is subscribed', async () => {
      view = mount(
        withClient(createElement(Topic, { topic: 'kpis.s2', scopes: ['ops.admin', 'economy.admin'] }), ['ops.admin']),
      );
      await h.clock.tick(20);
      expect(text(view.el, '.t')).to.equal('missing scope: economy.admin|undefined|false|0');
      expect(h.wire()).to.deep.equal([]);
    });

    it('throws a clear error outside a provider', () => {
      const errors: unknown[] = [];
      const onError = (e: ErrorEvent) => {
        errors.push(e.error);
        e.preventDefault();
      };
      window.addEventListener('error', onError);
      const el = document.createElement('div');
      const root = createRoot(el, { onUncaughtError: (e) => errors.push(e) });
      flushSync(() => root.render(createElement(Topic, { topic: 'kpis.s2' })));
      window.removeEventListener('error', onError);
      root.unmount();
      expect(String(errors[0])).to.contain('RealtimeProvider');
    });
  });

  /** Reads another topic without rendering anything. */
  function Other() {
    useRealtime('liveops.events');
    return null;
  }

  describe('useRealtimeMulti', () => {
    beforeEach(() => (client = h.client()));

    it('returns { [topic]: state }, the same object until one of them changes, even with a new array each render', async () => {
      const maps: object[] = [];
      function Dashboard() {
        const topics = useRealtimeMulti<Kpi>(['kpis.s2', 'liveops.events']);
        maps.push(topics);
        return createElement(
          'p',
          { className: 'm' },
          `${topics['kpis.s2']?.data?.v}/${topics['liveops.events']?.data?.v}`,
        );
      }
      view = mount(withClient(createElement(Dashboard)));
      await h.clock.tick(20);
      expect(h.wire()).to.deep.equal(['sub kpis.s2', 'sub liveops.events']);
      h.gw.publish('kpis.s2', { v: 1 });
      h.gw.publish('liveops.events', { v: 2 });
      await h.clock.settle();
      expect(text(view.el, '.m')).to.equal('1/2');
      const before = maps.length;
      view.render(withClient(createElement(Dashboard))); // a new array literal, the same topics
      await h.clock.tick(LINGER * 2);
      expect(maps.length).to.equal(before + 1);
      expect(maps.at(-1)).to.equal(maps.at(-2));
      expect(h.wire()).to.deep.equal(['sub kpis.s2', 'sub liveops.events']);
    });
  });

  describe('useRealtimeConnection', () => {
    beforeEach(() => (client = h.client()));

    it('returns { connected, stats } and counts reconnections', async () => {
      function Status() {
        const { connected, stats, error } = useRealtimeConnection();
        return createElement('p', { className: 'c' }, `${connected}|${stats.reconnectCount}|${error}`);
      }
      view = mount(withClient(createElement(Status)));
      await h.clock.tick(20);
      expect(text(view.el, '.c')).to.equal('true|0|null');
      h.gw.last.close(1011, 'oops');
      await h.clock.tick(10);
      expect(text(view.el, '.c')).to.equal('false|0|null');
      await h.until(() => client.status.get().connected && client.status.get().stats.reconnectCount > 0);
      expect(text(view.el, '.c')).to.equal('true|1|null');
    });

    it('shows a failed refresh as the error of a connection that stays open, and expiresAt', async () => {
      function Status() {
        const { connected, error, expiresAt } = useRealtimeConnection();
        return createElement('p', { className: 'c' }, `${connected}|${error}|${expiresAt}`);
      }
      view = mount(withClient(createElement(Status)));
      await h.clock.tick(20);
      expect(text(view.el, '.c')).to.equal('true|null|null');
      flushSync(() => h.gw.last.send({ type: 'refresh.ok', scopes: [], expiresIn: 60_000 }));
      expect(text(view.el, '.c')).to.equal(`true|null|${h.clock.now() + 60_000}`);
      flushSync(() => h.gw.last.send({ type: 'refresh.err', code: 'unavailable' }));
      expect(text(view.el, '.c')).to.equal(`true|refresh refused: unavailable|${h.clock.now() + 60_000}`);
    });
  });

  describe('RealtimeProvider with options', () => {
    const Status = () => {
      const { state } = useRealtimeConnection();
      return createElement('p', { className: 's' }, state);
    };

    it('owns its client: one connection and one sub under StrictMode, open (not closed) after the double mount', async () => {
      view = mount(
        createElement(
          StrictMode,
          null,
          createElement(
            RealtimeProvider,
            { options: h.options },
            createElement(Topic, { topic: 'kpis.s2' }),
            createElement(Status),
          ),
        ),
      );
      await h.clock.tick(20);
      expect(h.gw.connections.length).to.equal(1);
      expect(text(view.el, '.s')).to.equal('open');
      expect(h.wire()).to.deep.equal(['sub kpis.s2']);
    });

    it('disconnects its client on unmount', async () => {
      view = mount(createElement(RealtimeProvider, { options: h.options }, createElement(Status)));
      await h.clock.tick(20);
      expect(h.gw.last.socket.readyState).to.equal(1);
      view.unmount();
      view = undefined;
      await h.clock.tick(10);
      expect(h.gw.last.socket.readyState).to.equal(3);
    });
  });
});
