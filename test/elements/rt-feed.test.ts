/**
 * `<rt-feed>` over a client double: loading, empty, newest-first list, limit, the render hook, errors,
 * events, parts and accessibility.
 */
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../src/define/index.js';
import type { RtFeed } from '../../src/elements/index.js';
import { fakeClient, type FakeClient } from '../controllers/fake-client.js';

interface LiveEvent {
  id: string;
  name: string;
}

const items = (el: Element) => [...el.shadowRoot!.querySelectorAll('[part="item"]')].map((li) => li.textContent);
const ev = (n: number): LiveEvent => ({ id: `evt-${n}`, name: `Event ${n}` });

describe('<rt-feed>', () => {
  let client: FakeClient;

  async function mount(feed = html`<rt-feed topic="liveops.events" limit="3"></rt-feed>`): Promise<RtFeed<LiveEvent>> {
    const conn = await fixture(html`<rt-connection .client=${client}>${feed}</rt-connection>`);
    const el = conn.querySelector('rt-feed') as RtFeed<LiveEvent>;
    await el.updateComplete;
    return el;
  }
  async function publish(el: RtFeed<LiveEvent>, ...events: LiveEvent[]): Promise<void> {
    for (const e of events) client.publish('liveops.events', e);
    await el.updateComplete;
  }

  beforeEach(() => {
    client = fakeClient();
  });

  it('asks the client to keep the topic as a list of `limit` messages', async () => {
    await mount();
    expect(client.topics.get('liveops.events')!.options).to.deep.equal({ reduce: 'append', limit: 3 });
  });

  it('shows Loading… until subscribed, and is accessible', async () => {
    const el = await mount();
    expect(el.status).to.equal('loading');
    expect(el.shadowRoot!.querySelector('[part="placeholder"]')!.textContent).to.equal('Loading…');
    await expect(el).to.be.accessible();
  });

  it('shows the empty slot while subscribed with no message, and is accessible', async () => {
    const el = await mount(html`<rt-feed topic="liveops.events"><p slot="empty">Quiet so far</p></rt-feed>`);
    client.setTopic('liveops.events', { status: 'live' });
    await el.updateComplete;
    expect(el.status).to.equal('empty');
    const slot = el.shadowRoot!.querySelector<HTMLSlotElement>('slot[name="empty"]')!;
    expect(slot.assignedElements().map((e) => e.textContent)).to.deep.equal(['Quiet so far']);
    await expect(el).to.be.accessible();
  });

  it('lists messages newest first, at most `limit`, and is accessible', async () => {
    const el = await mount();
    await publish(el, ev(1), ev(2));
    expect(el.status).to.equal('live');
    expect(items(el)).to.deep.equal([JSON.stringify(ev(2)), JSON.stringify(ev(1))]);
    await publish(el, ev(3), ev(4));
    expect(el.items.map((e) => e.id)).to.deep.equal(['evt-4', 'evt-3', 'evt-2']);
    const list = el.shadowRoot!.querySelector('[part="list"]')!;
    expect(list.tagName).to.equal('OL');
    expect(list.getAttribute('aria-live')).to.equal('polite');
    await expect(el).to.be.accessible();
  });

  it('shows fewer items when `limit` shrinks', async () => {
    const el = await mount();
    await publish(el, ev(1), ev(2), ev(3));
    el.limit = 1;
    await el.updateComplete;
    expect(el.items.map((e) => e.id)).to.deep.equal(['evt-3']);
  });

  it('renders each item with `renderItem`, given the item and its index', async () => {
    const el = await mount();
    el.renderItem = (e, i) => html`<strong>${i}</strong> ${e.name}`;
    await publish(el, ev(1), ev(2));
    expect(items(el)).to.deep.equal(['0 Event 2', '1 Event 1']);
    expect(el.shadowRoot!.querySelector('[part="item"] strong')).to.not.equal(null);
  });

  it('dims the list while the topic resubscribes', async () => {
    const el = await mount();
    await publish(el, ev(1));
    client.setTopic('liveops.events', { status: 'subscribing' });
    await el.updateComplete;
    expect(el.getAttribute('status')).to.equal('stale');
    expect(getComputedStyle(el.shadowRoot!.querySelector('[part="list"]')!).opacity).to.equal('0.55');
  });

  it('shows the refusal code, or the error slot, when the gateway refuses, and is accessible', async () => {
    const el = await mount();
    client.setTopic('liveops.events', { status: 'error', error: { code: 'forbidden' } });
    await el.updateComplete;
    expect(el.status).to.equal('error');
    expect(el.error).to.equal('forbidden');
    expect(el.shadowRoot!.querySelector('[part="error"]')!.textContent).to.equal('forbidden');
    await expect(el).to.be.accessible();
  });

  it('fires rt-message with the new item', async () => {
    const el = await mount();
    await publish(el, ev(1));
    const heard = oneEvent(el, 'rt-message');
    client.publish('liveops.events', ev(2));
    const { detail } = await heard;
    expect(detail).to.deep.equal({ topic: 'liveops.events', data: ev(2), value: ev(2), seq: 2 });
  });

  it('shows the one message of a topic another element folds as `latest`', async () => {
    client.topic('liveops.events');
    client.publish('liveops.events', ev(1));
    const el = await mount();
    expect(el.items).to.deep.equal([ev(1)]);
  });

  it('unsubscribes when removed', async () => {
    const el = await mount();
    expect(client.topics.get('liveops.events')!.listeners).to.equal(1);
    el.remove();
    expect(client.topics.get('liveops.events')!.listeners).to.equal(0);
  });
});
