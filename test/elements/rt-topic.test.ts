/**
 * `<rt-topic>` over a client double: every state, attributes and properties, formats, events, parts and
 * accessibility.
 */
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { setDefaultClient } from '../../src/controllers/context.js';
import '../../src/define/index.js';
import type { RtTargetEvent, RtTopic } from '../../src/elements/index.js';
import { duration } from '../../src/elements/shared/duration.js';
import { fakeClient, type FakeClient } from '../controllers/fake-client.js';
import { installClock, type FakeClock } from '../helpers/fake-clock.js';

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

    it('shows exactly `digits` decimals, in tabular digits, so that the width holds still', async () => {
      const el = await mount(html`<rt-topic topic="kpis.s2" field="v" format="number" digits="1"></rt-topic>`);
      await publish(el, { v: 17 });
      const fixed = (n: number, extra = {}) =>
        new Intl.NumberFormat(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1, ...extra }).format(n);
      expect(text(el, 'value')).to.equal(fixed(17)); // "17.0", not "17"
      el.format = 'percent';
      await publish(el, { v: 99 });
      expect(text(el, 'value')).to.equal(fixed(0.99, { style: 'percent' }));
      el.format = 'compact';
      await publish(el, { v: 18000 });
      expect(text(el, 'value')).to.equal(fixed(18000, { notation: 'compact' }));
      expect(getComputedStyle(part(el, 'value')!).fontVariantNumeric).to.equal('tabular-nums');
      el.removeAttribute('digits');
      await publish(el, { v: 17 });
      expect(text(el, 'value')).to.equal(new Intl.NumberFormat(undefined, { notation: 'compact' }).format(17));
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

  describe('targets', () => {
    const region = (el: Element) => el.shadowRoot!.querySelector('.vh[aria-live="polite"]')!;

    it('reflects target="met" or "missed" and marks a missed value as part `missed`', async () => {
      const el = await mount(html`<rt-topic topic="kpis.s2" field="v" min="99.5" max="100"></rt-topic>`);
      expect(el.hasAttribute('target')).to.equal(false);
      await publish(el, { v: 99.7 });
      expect(el.getAttribute('target')).to.equal('met');
      expect(part(el, 'value')!.getAttribute('part')).to.equal('value');
      await publish(el, { v: 98.9 });
      expect(el.getAttribute('target')).to.equal('missed');
      expect(part(el, 'value')!.getAttribute('part')).to.equal('value missed');
      await publish(el, { v: 100.5 });
      expect(el.getAttribute('target')).to.equal('missed');
      await expect(el).to.be.accessible();
    });

    it('has no target without a bound, or for a value that is not a number', async () => {
      const el = await mount(html`<rt-topic topic="kpis.s2" field="v"></rt-topic>`);
      await publish(el, { v: 1 });
      expect(el.hasAttribute('target')).to.equal(false);
      el.max = 0;
      await el.updateComplete;
      expect(el.getAttribute('target')).to.equal('missed');
      await publish(el, { v: 'n/a' });
      expect(el.hasAttribute('target')).to.equal(false);
      el.setAttribute('max', '5');
      el.removeAttribute('max'); // a removed attribute is `null`: no bound, not 0
      await publish(el, { v: 1 });
      expect(el.hasAttribute('target')).to.equal(false);
    });

    it('announces a change of target state even with announce="off", but not the first `met`', async () => {
      const el = await mount(html`
        <rt-topic topic="kpis.s2" field="v" format="percent" digits="1" min="99.5" label="Crash-free sessions"
          announce="off"></rt-topic>
      `);
      const pct = (n: number) =>
        new Intl.NumberFormat(undefined, {
          style: 'percent',
          minimumFractionDigits: 1,
          maximumFractionDigits: 1,
        }).format(n / 100);
      await publish(el, { v: 99.6 });
      expect(region(el).textContent).to.equal('');
      await publish(el, { v: 98.9 });
      expect(region(el).textContent).to.equal(`Crash-free sessions ${pct(98.9)} below target ${pct(99.5)}`);
      await publish(el, { v: 99.7 });
      expect(region(el).textContent).to.equal(`Crash-free sessions ${pct(99.7)} back on target`);
      await publish(el, { v: 99.8 }); // still met: nothing new to say
      expect(region(el).textContent).to.equal(`Crash-free sessions ${pct(99.7)} back on target`);
    });

    it('announces a first `missed`, above a max, named by aria-label, else by the field', async () => {
      const el = await mount(html`<rt-topic topic="kpis.s2" field="p95" max="16.6" aria-label="GPU"></rt-topic>`);
      await publish(el, { p95: 17.25 });
      expect(region(el).textContent).to.equal('GPU 17.25 above target 16.6');
      const bare = await mount(html`<rt-topic topic="kpis.s3" field="p95" max="16.6"></rt-topic>`);
      await publish(bare, { p95: 18 }, 'kpis.s3');
      expect(region(bare).textContent).to.equal('p95 18 above target 16.6');
    });

    it('fires rt-target when the state is first known and on each change; it bubbles out of shadow roots', async () => {
      const el = await mount(html`<rt-topic topic="kpis.s2" field="v" min="10"></rt-topic>`);
      const heard: unknown[] = [];
      // Listeners see the element in the state the event reports.
      const listener = (e: Event) => heard.push([(e as RtTargetEvent).detail, e.composed, el.getAttribute('target')]);
      document.addEventListener('rt-target', listener);
      try {
        for (const v of [12, 11, 9, 8, 10]) await publish(el, { v });
      } finally {
        document.removeEventListener('rt-target', listener);
      }
      expect(heard).to.deep.equal([
        [{ topic: 'kpis.s2', value: 12, met: true }, true, 'met'],
        [{ topic: 'kpis.s2', value: 9, met: false }, true, 'missed'],
        [{ topic: 'kpis.s2', value: 10, met: true }, true, 'met'],
      ]);
    });

    it('says once on the console that a bound is not a number, and ignores it', async () => {
      const warn = console.warn;
      const said: unknown[] = [];
      console.warn = (...args: unknown[]) => void said.push(args.join(' '));
      try {
        const el = await mount(html`<rt-topic topic="kpis.s2" field="v" min="abc" max="5"></rt-topic>`);
        await publish(el, { v: 1 });
        await publish(el, { v: 2 });
        expect(el.getAttribute('target')).to.equal('met');
        expect(said).to.deep.equal(['<rt-topic> min is not a number: ignored']);
      } finally {
        console.warn = warn;
      }
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

  describe('stale-after (freshness)', () => {
    let clock: FakeClock | undefined;
    afterEach(() => {
      clock?.uninstall();
      clock = undefined;
    });
    /** What the target-and-freshness live region says (the one spoken even with announce="off"). */
    const said = (el: Element) => el.shadowRoot!.querySelector('.vh')!.textContent;
    /** Mounts with `stale-after`, then fakes the clock: the element's only timer is the freshness one. */
    async function fresh(after: string): Promise<RtTopic> {
      const el = await mount(html`<rt-topic topic="kpis.s2" field="v" stale-after=${after}></rt-topic>`);
      clock = installClock();
      return el;
    }

    it('goes stale when no message came within stale-after, and fresh again with the next one', async () => {
      const el = await fresh('10s');
      await publish(el, { v: 1 });
      (part(el, 'value') as HTMLElement).style.transition = 'none'; // the opacity as styled, not halfway
      await clock!.tick(9_999);
      expect(el.stale).to.equal(false);
      expect(el.hasAttribute('stale')).to.equal(false);
      await clock!.tick(1);
      await el.updateComplete;
      expect(el.stale).to.equal(true);
      expect(el.hasAttribute('stale')).to.equal(true);
      expect(part(el, 'value')!.getAttribute('part')).to.equal('value stale');
      expect(getComputedStyle(part(el, 'value')!).opacity).to.equal('0.55');
      expect(said(el)).to.equal(' stale');
      expect(el.getAttribute('status')).to.equal('live'); // the connection is fine: only the data is old
      await publish(el, { v: 2 });
      expect(el.hasAttribute('stale')).to.equal(false);
      expect(part(el, 'value')!.getAttribute('part')).to.equal('value');
      expect(said(el)).to.equal('');
      await clock!.tick(9_999);
      expect(el.stale).to.equal(false);
    });

    it('counts from the moment the topic went live when no message came', async () => {
      const el = await fresh('500ms');
      client.setTopic('kpis.s2', { status: 'live' });
      await el.updateComplete;
      expect(clock!.pending()).to.deep.equal([500]);
      await clock!.tick(500);
      await el.updateComplete;
      expect(el.hasAttribute('stale')).to.equal(true);
      expect(el.status).to.equal('empty');
    });

    it('is accessible while stale', async () => {
      const el = await fresh('1s');
      await publish(el, { v: 1 });
      await clock!.tick(1_000);
      clock!.uninstall(); // axe runs on timers of its own
      clock = undefined;
      await el.updateComplete;
      expect(el.stale).to.equal(true);
      await expect(el).to.be.accessible();
    });

    it('keeps one timer, restarted by each message', async () => {
      const el = await fresh('2m');
      await publish(el, { v: 1 });
      await clock!.tick(60_000);
      await publish(el, { v: 2 });
      expect(clock!.pending()).to.deep.equal([120_000]);
    });

    it('says the staleness with a missed target, in the region spoken even with announce="off"', async () => {
      clock = undefined;
      const el = await mount(
        html`<rt-topic topic="kpis.s2" field="v" min="5" announce="off" stale-after="1s"></rt-topic>`,
      );
      clock = installClock();
      await publish(el, { v: 1 });
      await clock.tick(1_000);
      await el.updateComplete;
      expect(part(el, 'value')!.getAttribute('part')).to.equal('value missed stale');
      expect(said(el)).to.equal('v 1 below target 5 stale');
    });

    it('has no timer without stale-after, after it is removed, or once the element left the page', async () => {
      const el = await mount();
      clock = installClock();
      await publish(el, { crash_free: 1 });
      expect(clock.pending()).to.deep.equal([]);
      el.setAttribute('stale-after', '10s');
      await el.updateComplete;
      expect(clock.pending()).to.deep.equal([10_000]);
      el.removeAttribute('stale-after');
      await el.updateComplete;
      expect(clock.pending()).to.deep.equal([]);
      el.setAttribute('stale-after', '10s');
      await el.updateComplete;
      el.remove();
      expect(clock.pending()).to.deep.equal([]);
    });

    it('a stale-after set late counts from the last message, and its removal clears the mark', async () => {
      const el = await mount();
      clock = installClock();
      await publish(el, { crash_free: 1 });
      client.setTopic('kpis.s2', { stats: { ...client.topic('kpis.s2').get().stats, lastMessageAt: Date.now() } });
      await clock.tick(5_000);
      el.setAttribute('stale-after', '5s');
      await el.updateComplete;
      expect(el.stale).to.equal(true);
      el.removeAttribute('stale-after');
      await el.updateComplete;
      expect(el.stale).to.equal(false);
    });

    it('says once on the console that stale-after is not a duration, and ignores it', async () => {
      const warn = console.warn;
      const lines: unknown[] = [];
      console.warn = (...args: unknown[]) => void lines.push(args.join(' '));
      try {
        const el = await fresh('soon');
        await publish(el, { v: 1 });
        await publish(el, { v: 2 });
        expect(clock!.pending()).to.deep.equal([]);
        expect(lines).to.deep.equal(['<rt-topic> stale-after is not a duration: ignored']);
      } finally {
        console.warn = warn;
      }
    });

    it('reads 500ms, 10s, 2m, 1.5m and a plain number of ms; nothing else', () => {
      expect(['500ms', '10s', '2m', '1.5m', '1500', '.5s'].map(duration)).to.deep.equal([
        500, 10_000, 120_000, 90_000, 1_500, 500,
      ]);
      for (const bad of ['', '10 s', '10h', 's', '-1s', '1e3', 'soon', null, undefined])
        expect(duration(bad), String(bad)).to.be.NaN;
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
