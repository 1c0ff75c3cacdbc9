/**
 * The controllers on their own, in a minimal Lit host: what any element author reusing them relies on.
 */
import { expect, fixture, html } from '@open-wc/testing';
import { LitElement, type TemplateResult } from 'lit';
import { property } from 'lit/decorators.js';
import {
  ClientConsumer,
  clientContext,
  defaultClient,
  linkStatus,
  setDefaultClient,
  StatusController,
  TopicController,
  type LinkStatus,
} from '../../src/controllers/index.js';
import type { ConnectionState, TopicState } from '../../src/core/types.js';
import '../../src/define/index.js';
import { fakeClient, type FakeClient } from './fake-client.js';

class TopicHost extends LitElement {
  @property() topic = 'kpis.s2';
  messages: TopicState<unknown>[] = [];
  readonly source = new TopicController(this, { topic: () => this.topic, onMessage: (s) => this.messages.push(s) });
  readonly consumer = new ClientConsumer(this);
  override render(): TemplateResult {
    return html`${this.source.view}`;
  }
}
customElements.define('test-topic-host', TopicHost);

class StatusHost extends LitElement {
  seen: LinkStatus[] = [];
  readonly link = new StatusController(this, (status) => this.seen.push(status));
  override render(): TemplateResult {
    return html`${this.link.status}`;
  }
}
customElements.define('test-status-host', StatusHost);

const state = (phase: ConnectionState['state']) => ({ ...fakeClient().status.get(), state: phase });

describe('controllers', () => {
  let client: FakeClient;
  beforeEach(() => {
    client = fakeClient();
  });
  afterEach(() => setDefaultClient(undefined));

  describe('clientContext and the default client', () => {
    it('uses a global symbol as its key, so that two copies of the library find each other', () => {
      expect(clientContext).to.equal(Symbol.for('lydian.rt.client'));
    });

    it('setDefaultClient updates the defaultClient store', () => {
      const seen: unknown[] = [];
      const stop = defaultClient.subscribe((c) => seen.push(c));
      setDefaultClient(client);
      setDefaultClient(undefined);
      stop();
      expect(seen).to.deep.equal([undefined, client, undefined]);
    });
  });

  describe('ClientConsumer', () => {
    it('answers the nearest provider, else the default client, and follows both', async () => {
      setDefaultClient(client);
      const host = await fixture<TopicHost>(html`<test-topic-host></test-topic-host>`);
      expect(host.consumer.client).to.equal(client);
      const other = fakeClient();
      const conn = await fixture(
        html`<rt-connection .client=${other}><test-topic-host></test-topic-host></rt-connection>`,
      );
      const inner = conn.querySelector<TopicHost>('test-topic-host')!;
      expect(inner.consumer.client).to.equal(other);
      const third = fakeClient();
      (conn as HTMLElementTagNameMap['rt-connection']).client = third;
      await inner.updateComplete;
      expect(inner.consumer.client).to.equal(third);
    });

    it('forgets its provider when moved out of it', async () => {
      setDefaultClient(client);
      const conn = await fixture(
        html`<rt-connection .client=${fakeClient()}><test-topic-host></test-topic-host></rt-connection>`,
      );
      const host = conn.querySelector<TopicHost>('test-topic-host')!;
      conn.after(host);
      expect(host.consumer.client).to.equal(client);
      host.remove();
    });
  });

  describe('TopicController', () => {
    it('subscribes while the host is connected, and resubscribes on a topic change', async () => {
      setDefaultClient(client);
      const host = await fixture<TopicHost>(html`<test-topic-host></test-topic-host>`);
      expect(client.topics.get('kpis.s2')!.listeners).to.equal(1);
      host.topic = 'ab.status';
      await host.updateComplete;
      expect(client.topics.get('kpis.s2')!.listeners).to.equal(0);
      expect(client.topics.get('ab.status')!.listeners).to.equal(1);
      const parent = host.parentElement!;
      host.remove();
      expect(client.topics.get('ab.status')!.listeners).to.equal(0);
      parent.append(host);
      await host.updateComplete;
      expect(client.topics.get('ab.status')!.listeners).to.equal(1);
    });

    it('walks through loading, empty, live, stale and error', async () => {
      setDefaultClient(client);
      const host = await fixture<TopicHost>(html`<test-topic-host></test-topic-host>`);
      const views: string[] = [host.source.view];
      for (const patch of [
        { status: 'live' },
        { data: 1 },
        { status: 'subscribing' },
        { status: 'error', error: { code: 'forbidden' } },
      ] as const) {
        client.setTopic('kpis.s2', patch);
        views.push(host.source.view);
      }
      expect(views).to.deep.equal(['loading', 'empty', 'live', 'stale', 'error']);
      expect(host.source.error).to.equal('forbidden');
    });

    it('is loading without a client', async () => {
      const host = await fixture<TopicHost>(html`<test-topic-host></test-topic-host>`);
      expect(host.source.view).to.equal('loading');
      expect(host.source.data).to.equal(undefined);
    });

    it('calls onMessage for the first data and every forward seq, not for a reset', async () => {
      setDefaultClient(client);
      client.publish('kpis.s2', 'retained');
      const host = await fixture<TopicHost>(html`<test-topic-host></test-topic-host>`);
      client.publish('kpis.s2', 'next');
      client.setTopic('kpis.s2', { seq: 0 });
      client.publish('kpis.s2', 'after reset');
      expect(host.messages.map((s) => [s.data, s.seq])).to.deep.equal([
        ['retained', 1],
        ['next', 2],
        ['after reset', 1],
      ]);
    });

    it("does not call onMessage for a message the topic's schema refused (seq moves on, the data does not)", async () => {
      setDefaultClient(client);
      const host = await fixture<TopicHost>(html`<test-topic-host></test-topic-host>`);
      client.publish('kpis.s2', 'valid');
      const { seq, stats } = client.topic('kpis.s2').get();
      client.setTopic('kpis.s2', { seq: seq + 1, stats: { ...stats, invalid: 1 } });
      client.publish('kpis.s2', 'valid again');
      expect(host.messages.map((s) => [s.data, s.seq])).to.deep.equal([
        ['valid', 1],
        ['valid again', 3],
      ]);
    });
  });

  describe('StatusController', () => {
    it('maps connection phases to badge statuses', () => {
      expect(
        [undefined, state('open'), state('connecting'), state('reconnecting'), state('offline'), state('closed')].map(
          linkStatus,
        ),
      ).to.deep.equal(['offline', 'live', 'connecting', 'reconnecting', 'offline', 'offline']);
    });

    it('reports the first status and every change, counting attempts per outage', async () => {
      const host = await fixture<StatusHost>(html`<test-status-host></test-status-host>`);
      setDefaultClient(client);
      await host.updateComplete;
      client.setStatus({ state: 'reconnecting' }, { reconnectCount: 1 });
      expect(host.link.attempts).to.equal(1);
      client.setStatus({ state: 'open' }, { reconnectCount: 2 });
      client.setStatus({ state: 'reconnecting' });
      expect(host.link.attempts).to.equal(0);
      expect(host.seen).to.deep.equal(['offline', 'live', 'reconnecting', 'live', 'reconnecting']);
    });

    it('stops listening when the host leaves the page', async () => {
      setDefaultClient(client);
      const host = await fixture<StatusHost>(html`<test-status-host></test-status-host>`);
      host.remove();
      client.setStatus({ state: 'reconnecting' });
      expect(host.seen).to.deep.equal(['live']);
    });
  });
});
