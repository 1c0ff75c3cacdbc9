/**
 * `<rt-sparkline>` over a client double: what it plots, windowing by `points` and by `seconds` (on a fake clock),
 * the text alternative and its trend, the target line, theming, states and accessibility.
 */
import { expect, fixture, html } from '@open-wc/testing';
import { setDefaultClient } from '../../src/controllers/context.js';
import '../../src/define/index.js';
import type { RtSparkline } from '../../src/elements/index.js';
import { fakeClient, type FakeClient } from '../controllers/fake-client.js';
import { installClock } from '../helpers/fake-clock.js';

const part = (el: Element, name: string) => el.shadowRoot!.querySelector(`[part~="${name}"]`);
const d = (el: Element, name: string) => part(el, name)?.getAttribute('d') ?? '';
/** The y coordinates of the line's points (0 is the top of the box). */
const ys = (el: Element) => [...d(el, 'line').matchAll(/[\d.]+,([\d.]+)/g)].map((m) => Number(m[1]));
const label = (el: Element) => part(el, 'svg')?.getAttribute('aria-label');

describe('<rt-sparkline>', () => {
  let client: FakeClient;

  async function mount(
    spark = html`<rt-sparkline topic="kpis.s2" field="v" label="Crash-free sessions"></rt-sparkline>`,
  ): Promise<RtSparkline> {
    const conn = await fixture(html`<rt-connection .client=${client}>${spark}</rt-connection>`);
    const el = conn.querySelector('rt-sparkline')!;
    await el.updateComplete;
    return el;
  }
  async function publish(el: RtSparkline, ...values: unknown[]): Promise<void> {
    for (const v of values) client.publish('kpis.s2', { v });
    await el.updateComplete;
  }

  beforeEach(() => {
    client = fakeClient();
  });
  afterEach(() => setDefaultClient(undefined));

  it('shows the loading content until the first value, then the chart; it is accessible', async () => {
    const el = await mount();
    expect(el.status).to.equal('loading');
    expect(part(el, 'placeholder')!.textContent).to.equal('…');
    expect(part(el, 'svg')).to.equal(null);
    await publish(el, 1);
    expect(el.status).to.equal('live');
    const svg = part(el, 'svg')!;
    expect(svg.getAttribute('role')).to.equal('img');
    expect(svg.getAttribute('viewBox')).to.equal('0 0 100 100');
    expect(svg.getAttribute('preserveAspectRatio')).to.equal('none');
    await expect(el).to.be.accessible();
  });

  it('plots every value of the field, oldest on the left, higher values higher', async () => {
    const el = await mount();
    await publish(el, 10, 30, 20);
    expect(el.values).to.deep.equal([10, 30, 20]);
    const [a, b, c] = ys(el);
    expect(b).to.be.lessThan(c!);
    expect(c).to.be.lessThan(a!);
    expect(d(el, 'line')).to.match(/^M0,[\d.]+ 50,[\d.]+ 100,[\d.]+$/);
    expect(d(el, 'area')).to.match(/^M0,100L0,.* 100,100Z$/);
    expect(getComputedStyle(part(el, 'line')!).vectorEffect).to.equal('non-scaling-stroke');
  });

  it('draws one value as a flat line across', async () => {
    const el = await mount();
    await publish(el, 5);
    expect(ys(el)).to.have.length(2);
    expect(ys(el)[0]).to.equal(ys(el)[1]);
  });

  it('keeps only the last `points` values', async () => {
    const el = await mount(html`<rt-sparkline topic="kpis.s2" field="v" points="3"></rt-sparkline>`);
    await publish(el, 1, 2, 3, 4, 5);
    expect(el.values).to.deep.equal([3, 4, 5]);
    expect(ys(el)).to.have.length(3);
  });

  it('keeps only the values of the last `seconds` seconds', async () => {
    const el = await mount(html`<rt-sparkline topic="kpis.s2" field="v" seconds="10"></rt-sparkline>`);
    const clock = installClock();
    try {
      await publish(el, 1, 2);
      clock.jump(6_000);
      await publish(el, 3);
      clock.jump(6_000); // 1 and 2 are now 12 s old
      await publish(el, 4);
      expect(el.values).to.deep.equal([3, 4]);
    } finally {
      clock.uninstall();
    }
  });

  it('skips values that are not numbers, and says so once on the console', async () => {
    const warn = console.warn;
    const said: string[] = [];
    console.warn = (...args: unknown[]) => void said.push(args.join(' '));
    try {
      const el = await mount();
      await publish(el, 1, 'n/a', null, 2);
      expect(el.values).to.deep.equal([1, 2]);
      expect(said).to.deep.equal(['<rt-sparkline> v of kpis.s2 is not a number: not plotted']);
    } finally {
      console.warn = warn;
    }
  });

  it('starts a new series when the field changes', async () => {
    const el = await mount();
    await publish(el, 1, 2);
    el.field = 'w';
    await el.updateComplete;
    expect(el.values).to.deep.equal([]);
    client.publish('kpis.s2', { w: 7 });
    await el.updateComplete;
    expect(el.values).to.deep.equal([7]);
  });

  describe('text alternative', () => {
    it('names the chart by `label` with the latest value and the trend over the window', async () => {
      const el = await mount();
      await publish(el, 99.1);
      expect(label(el)).to.equal('Crash-free sessions: 99.1');
      await publish(el, 99.3);
      expect(label(el)).to.equal('Crash-free sessions: 99.3, rising');
      await publish(el, 98.7);
      expect(label(el)).to.equal('Crash-free sessions: 98.7, falling');
    });

    it('calls a change too small to show at `digits` steady, and formats like <rt-topic>', async () => {
      const el = await mount(html`
        <rt-sparkline topic="kpis.s2" field="v" format="percent" digits="1" aria-label="Crash-free"></rt-sparkline>
      `);
      await publish(el, 99.21, 99.24);
      const pct = new Intl.NumberFormat(undefined, {
        style: 'percent',
        minimumFractionDigits: 1,
        maximumFractionDigits: 1,
      }).format(0.9924);
      expect(label(el)).to.equal(`Crash-free: ${pct}, steady`);
    });

    it('falls back to the field name', async () => {
      const el = await mount(html`<rt-sparkline topic="kpis.s2" field="v"></rt-sparkline>`);
      await publish(el, 3);
      expect(label(el)).to.equal('v: 3');
    });
  });

  describe('target', () => {
    it('draws a dashed line at each bound, in view even beyond the values', async () => {
      const el = await mount(html`<rt-sparkline topic="kpis.s2" field="v" min="99.5" max="100"></rt-sparkline>`);
      await publish(el, 99.6, 99.7);
      const lines = [...d(el, 'target').matchAll(/M0,([\d.]+)H100/g)].map((m) => Number(m[1]));
      expect(lines).to.have.length(2);
      for (const y of [...lines, ...ys(el)]) expect(y).to.be.within(0, 100);
      expect(lines[0]).to.be.greaterThan(lines[1]!); // min lower on screen than max
      expect(getComputedStyle(part(el, 'target')!).strokeDasharray).to.not.equal('none');
    });

    it('draws no target line without a bound', async () => {
      const el = await mount();
      await publish(el, 1, 2);
      expect(d(el, 'target')).to.equal('');
    });
  });

  it('takes its colour, fill and height from --rt-sparkline-* properties', async () => {
    const el = await mount(html`
      <rt-sparkline
        topic="kpis.s2"
        field="v"
        min="1"
        style="--rt-sparkline-color: rgb(1, 2, 3); --rt-sparkline-fill: rgb(4, 5, 6);
          --rt-sparkline-target-color: rgb(7, 8, 9); --rt-sparkline-height: 40px"
      ></rt-sparkline>
    `);
    await publish(el, 1, 2);
    expect(getComputedStyle(part(el, 'line')!).stroke).to.equal('rgb(1, 2, 3)');
    expect(getComputedStyle(part(el, 'area')!).fill).to.equal('rgb(4, 5, 6)');
    expect(getComputedStyle(part(el, 'target')!).stroke).to.equal('rgb(7, 8, 9)');
    expect(el.getBoundingClientRect().height).to.equal(40);
  });

  it('shows the refusal code, or the error slot, and is accessible', async () => {
    const el = await mount(html`<rt-sparkline topic="kpis.s2" field="v"><b slot="error">locked</b></rt-sparkline>`);
    client.setTopic('kpis.s2', { status: 'error', error: { code: 'forbidden' } });
    await el.updateComplete;
    expect(el.status).to.equal('error');
    expect(part(el, 'error')!.textContent).to.equal('forbidden');
    const slot = el.shadowRoot!.querySelector<HTMLSlotElement>('slot[name="error"]')!;
    expect(slot.assignedElements().map((e) => e.textContent)).to.deep.equal(['locked']);
    await expect(el).to.be.accessible();
  });
});
