/**
 * `<rt-topic>` over a client double: every state, attributes and properties, formats, events, parts and
 * accessibility.
 */
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { setDefaultClient } from '../../src/controllers/context.js';
import '../../src/define/index.js';
import type { RtTopic } from '../../src/elements/index.js';
import { fakeClient, type FakeClient } from '../controllers/fake-client.js';

const part = (el: Element, name: string) => el.shadowRoot!.querySelector(`[part~="${name}"]`);
const text = (el: Element, name: string) => part(el, name)?.textContent?.trim();

describe('<rt-topic>', () => {
  let client: FakeClient;

  /** Mounts `<rt-topic>` inside an `<rt-connection>` that provides the double. */
  async function mount(topic = html`<rt-topic topic="kpis.s2" field="crash_free"></rt-topic>`): Promise<RtTopic> {
    const conn = await fixture(html`<rt-connection .client=${client}>${topic}</rt-connection>`);
    const el = conn.querySelector('rt-topic')!;
    await el.updateComplete;
    return el;
  }
  /** Publishes and waits for the element to render it. */
  async function publish(el: RtTopic, data: unknown, topic = 'kpis.s2'): Promise<void> {
    client.publish(topic, data);
    await el.updateComplete;
  }

  beforeEach(() => {
    client = fakeClient();
  });
  afterEach(() => setDefaultClient(undefined));

  describe('loading', () => {
    it('shows an ellipsis until the first value, and is accessible', async () => {
      const el = await mount();
      expect(el.status).to.equal('loading');
      expect(el.getAttribute('status')).to.equal('loading');
      expect(text(el, 'placeholder')).to.equal('…');
      expect(part(el, 'value')).to.equal(null);
      await expect(el).to.be.accessible();
    });

    it('shows slotted loading content instead', async () => {
      const el = await mount(html`<rt-topic topic="kpis.s2"><span slot="loading">Waiting</span></rt-topic>`);
      const slot = el.shadowRoot!.querySelector<HTMLSlotElement>('slot[name="loading"]')!;
      expect(slot.assignedElements().map((e) => e.textContent)).to.deep.equal(['Waiting']);
    });

    it('subscribes to the topic while connected', async () => {
      const el = await mount();
      expect(client.topics.get('kpis.s2')!.listeners).to.equal(1);
      el.remove();
      expect(client.topics.get('kpis.s2')!.listeners).to.equal(0);
    });

    it('stays loading while subscribed with no message yet', async () => {
      const el = await mount();
      client.setTopic('kpis.s2', { status: 'live' });
      await el.updateComplete;
      expect(el.status).to.equal('empty');
      expect(text(el, 'placeholder')).to.equal('…');
    });
  });

  describe('live', () => {
    it('shows the field of the latest message, and is accessible', async () => {
      const el = await mount();
      await publish(el, { crash_free: 99.2, p95_gpu: 15.8 });
      expect(el.status).to.equal('live');
      expect(el.value).to.equal(99.2);
      expect(text(el, 'value')).to.equal('99.2');
      await publish(el, { crash_free: 99.31, p95_gpu: 15.8 });
      expect(text(el, 'value')).to.equal('99.31');
      await expect(el).to.be.accessible();
    });

    it('reads a dotted field path, and shows the whole payload without one', async () => {
      const el = await mount(html`<rt-topic topic="kpis.s2" field="a.b.1"></rt-topic>`);
      await publish(el, { a: { b: [10, 20] } });
      expect(text(el, 'value')).to.equal('20');
      el.field = '';
      await el.updateComplete;
      expect(text(el, 'value')).to.equal('{"a":{"b":[10,20]}}');
    });

    it('shows a dash for a field the payload does not have', async () => {
      const el = await mount(html`<rt-topic topic="kpis.s2" field="missing.deep"></rt-topic>`);
      await publish(el, { crash_free: 99 });
      expect(text(el, 'value')).to.equal('–');
    });

    it('formats by name: number, percent, compact, time', async () => {
      const el = await mount(html`<rt-topic topic="kpis.s2" field="v" format="number"></rt-topic>`);
      await publish(el, { v: 1234567.891 });
      expect(text(el, 'value')).to.equal(
        new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 }).format(1234567.89),
      );
      el.format = 'percent';
      el.digits = 1;
      await publish(el, { v: 99.25 });
      expect(text(el, 'value')).to.equal(
        new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 }).format(0.9925),
      );
      el.setAttribute('format', 'compact');
      await publish(el, { v: 18400 });
      expect(text(el, 'value')).to.equal(
        new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 }).format(18400),
      );
      el.format = 'time';
      const when = Date.UTC(2025, 0, 2, 3, 4, 5);
      await publish(el, { v: when });
      expect(text(el, 'value')).to.equal(new Date(when).toLocaleTimeString());
    });

    it('formats with a function property, given the value and the whole payload', async () => {
      const el = await mount(html`<rt-topic topic="kpis.s2" field="p95_gpu"></rt-topic>`);
      el.format = (value, data) => `${value} ms of ${Object.keys(data as object).length}`;
      await publish(el, { crash_free: 99, p95_gpu: 15.8 });
      expect(text(el, 'value')).to.equal('15.8 ms of 2');
    });

    it('announces updates politely, or as `announce` says', async () => {
      const el = await mount();
      expect(part(el, 'base')!.getAttribute('aria-live')).to.equal('polite');
      el.announce = 'off';
      await el.updateComplete;
      expect(part(el, 'base')!.getAttribute('aria-live')).to.equal('off');
    });
  });

  describe('stale', () => {
    it('keeps the last value, marked stale, while the topic resubscribes', async () => {
      const el = await mount();
      await publish(el, { crash_free: 98 });
      client.setTopic('kpis.s2', { status: 'subscribing' });
      await el.updateComplete;
      expect(el.getAttribute('status')).to.equal('stale');
      expect(text(el, 'value')).to.equal('98');
      expect(getComputedStyle(part(el, 'value')!).opacity).to.equal('0.55');
      await expect(el).to.be.accessible();
    });
  });

  describe('error', () => {
    it('shows the refusal code when the gateway refuses the subscription, and is accessible', async () => {
      const el = await mount();
      client.setTopic('kpis.s2', { status: 'error', error: { code: 'forbidden' } });
      await el.updateComplete;
      expect(el.status).to.equal('error');
      expect(el.error).to.equal('forbidden');
      expect(text(el, 'error')).to.equal('forbidden');
      await expect(el).to.be.accessible();
    });

    it('shows slotted error content instead', async () => {
      const el = await mount(html`<rt-topic topic="kpis.s2"><span slot="error">No access</span></rt-topic>`);
      client.setTopic('kpis.s2', { status: 'error', error: { code: 'forbidden' } });
      await el.updateComplete;
      const slot = el.shadowRoot!.querySelector<HTMLSlotElement>('slot[name="error"]')!;
      expect(slot.assignedElements().map((e) => e.textContent)).to.deep.equal(['No access']);
    });

    it('reports an invalid topic name as invalid_topic', async () => {
      const el = await mount(html`<rt-topic topic="Not A Topic"></rt-topic>`);
      expect(el.status).to.equal('error');
      expect(text(el, 'error')).to.equal('invalid_topic');
    });
  });

  describe('events', () => {
    it('fires rt-message with the topic, payload, shown value and seq; it bubbles out of shadow roots', async () => {
      const el = await mount();
      const heard = oneEvent(document, 'rt-message');
      client.publish('kpis.s2', { crash_free: 97.5 });
      const event = await heard;
      expect(event.target).to.equal(el);
      expect(event.composed).to.equal(true);
      expect(event.detail).to.deep.equal({ topic: 'kpis.s2', data: { crash_free: 97.5 }, value: 97.5, seq: 1 });
    });

    it('does not fire for a reset (seq back to 0) without a message', async () => {
      const el = await mount();
      await publish(el, { crash_free: 97.5 });
      let fired = 0;
      el.addEventListener('rt-message', () => fired++);
      client.setTopic('kpis.s2', { seq: 0 });
      await publish(el, { crash_free: 96 });
      expect(fired).to.equal(1);
    });
  });

  describe('attributes and clients', () => {
    it('resubscribes when `topic` changes', async () => {
      const el = await mount();
      el.topic = 'ab.status';
      await el.updateComplete;
      expect(client.topics.get('kpis.s2')!.listeners).to.equal(0);
      expect(client.topics.get('ab.status')!.listeners).to.equal(1);
      await publish(el, { crash_free: 1 }, 'ab.status');
      expect(text(el, 'value')).to.equal('1');
    });

    it('uses the page-wide default client outside any <rt-connection>', async () => {
      setDefaultClient(client);
      client.publish('kpis.s2', { crash_free: 99.9 });
      const el = await fixture<RtTopic>(html`<rt-topic topic="kpis.s2" field="crash_free"></rt-topic>`);
      expect(text(el, 'value')).to.equal('99.9');
    });

    it('follows the default client when it is set later', async () => {
      const el = await fixture<RtTopic>(html`<rt-topic topic="kpis.s2" field="crash_free"></rt-topic>`);
      expect(el.status).to.equal('loading');
      setDefaultClient(client);
      await publish(el, { crash_free: 42 });
      expect(text(el, 'value')).to.equal('42');
    });
  });
});
