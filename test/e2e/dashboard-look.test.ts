/**
 * End to end: what a user sees of the demo dashboard with live data and a full events feed: axe finds nothing in
 * light or dark, a phone (360 px) and a desktop (1400 px) have no sideways scroll and nothing cut or broken, a
 * missed target shows, the sparklines plot, the footer is honest offline, and the theme toggle always toggles.
 * Everything is published through the gateway (no demo publisher runs) and awaited, never slept on.
 */
import { expect } from '@open-wc/testing';
import { emulateMedia } from '@web/test-runner-commands';
import type { RtFeed, RtStatus, RtTopic } from '../../src/elements/index.js';
import { untilEvent, untilStore } from '../helpers/until.js';
import {
  kpis,
  openDashboard,
  publish,
  startGateway,
  stopGateway,
  type Dashboard,
  type DemoGateway,
} from './dashboard-frame.js';

interface AxeResults {
  violations: { id: string; impact: string; nodes: { target: unknown[]; failureSummary?: string }[] }[];
}
type AxeWindow = Window & { axe?: { run(context: Document): Promise<AxeResults> } };

const KINDS = ['event.started', 'offer.changed', 'banner.updated', 'playlist.rotated', 'event.ended'] as const;
/** The n-th event of a plausible feed: every kind (and so every pill tone) appears. */
const event = (n: number) => ({ id: `evt-${n}`, kind: KINDS[n % KINDS.length], name: `Event ${n}`, when: Date.now() });

describe('the live-ops dashboard, as a user sees it', function () {
  this.timeout(20_000);
  let gw: DemoGateway;
  let dash: Dashboard;
  let doc: Document;
  let feed: RtFeed;
  let crashFree: RtTopic;
  let axeSource: string;

  const axe = async (): Promise<string[]> => {
    const win = dash.win as AxeWindow;
    if (!win.axe) {
      const script = doc.createElement('script');
      script.textContent = axeSource;
      doc.head.append(script);
    }
    const { violations } = await win.axe!.run(doc);
    return violations.map(
      (v) =>
        `${v.id} (${v.impact}): ${v.nodes.map((n) => `${JSON.stringify(n.target)} ${n.failureSummary}`).join('; ')}`,
    );
  };
  /** Clicks the theme toggle if the page is not in `colorScheme` yet. */
  const useScheme = (colorScheme: 'light' | 'dark') => {
    if (doc.documentElement.dataset.scheme !== colorScheme) doc.getElementById('theme')!.click();
    expect(doc.documentElement.dataset.scheme).to.equal(colorScheme);
  };
  /** Every element in the light DOM and in the elements' shadow roots that matches `selector`. */
  const everywhere = (selector: string): Element[] => [
    ...doc.querySelectorAll(selector),
    ...[...doc.querySelectorAll('rt-topic, rt-feed, rt-status, rt-sparkline')].flatMap((el) => [
      ...(el.shadowRoot?.querySelectorAll(selector) ?? []),
    ]),
  ];

  /** Whether what `el` holds sits on one line: its boxes all overlap vertically. */
  const onOneLine = (el: Element) => {
    const range = doc.createRange();
    range.selectNodeContents(el);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0);
    return rects.length > 0 && Math.max(...rects.map((r) => r.top)) < Math.min(...rects.map((r) => r.bottom));
  };

  before(async () => {
    localStorage.removeItem('rt-demo-scheme');
    axeSource = await (await fetch('/node_modules/axe-core/axe.min.js')).text();
    gw = await startGateway();
    dash = await openDashboard(gw, 'ops.admin,liveops.admin', 1400, 900);
    doc = dash.doc;
    const badge = doc.getElementById('status') as RtStatus;
    await untilEvent(badge, 'rt-state', () => badge.status === 'live');
    feed = doc.getElementById('events') as RtFeed;
    crashFree = doc.querySelector('rt-topic[field="crash_free"]') as RtTopic;

    // Live data on every topic the ticket allows, and more events than the feed keeps.
    const values = untilEvent(crashFree, 'rt-message', () => crashFree.value === 99.61);
    await publish(gw, 'kpis.s2', kpis(99.61, { p95_gpu: 17.1, ccu: 18_432 }));
    await values;
    const ab = doc.getElementById('ab-status') as RtTopic;
    const running = untilEvent(ab, 'rt-message', () => ab.value === 'running');
    await publish(gw, 'ab.status', {
      experiment: 'matchmaking-elo2',
      variant: 'B',
      status: 'running',
      uplift: 4.52,
      ts: Date.now(),
    });
    await running;
    const full = untilEvent(feed, 'rt-message', () => (feed.items[0] as { id?: string } | undefined)?.id === 'evt-15');
    for (let n = 1; n <= 15; n++) await publish(gw, 'liveops.events', event(n));
    await full;
    await feed.updateComplete;
  });
  after(async () => {
    localStorage.removeItem('rt-demo-scheme');
    dash?.frame.remove();
    await stopGateway(gw);
  });

  it('shows the last 12 of 15 events, none cut off', () => {
    expect(feed.items).to.have.length(12);
    const items = feed.shadowRoot!.querySelectorAll('[part~="item"]');
    expect(items).to.have.length(12);
    const card = doc.querySelector('.card.feed')!.getBoundingClientRect();
    expect(items[11]!.getBoundingClientRect().bottom).to.be.at.most(card.bottom);
    expect(feed.scrollHeight).to.be.at.most(feed.clientHeight + 1); // no inner scroll area
  });

  const looks = [360, 1400].flatMap((width) =>
    (['light', 'dark'] as const).map((colorScheme) => ({ width, colorScheme })),
  );

  for (const { width, colorScheme } of looks) {
    it(`has no axe violations at ${width} px in ${colorScheme}`, async () => {
      dash.resize(width);
      useScheme(colorScheme);
      expect(await axe()).to.deep.equal([]);
    });
  }

  for (const { width, colorScheme } of looks) {
    it(`fits ${width} px in ${colorScheme}: no sideways scroll, the theme button inside, nothing out of its card, values on one line`, async () => {
      dash.resize(width);
      useScheme(colorScheme);
      const root = doc.documentElement;
      expect(dash.win.innerWidth).to.equal(width);
      expect(root.scrollWidth, 'page width').to.be.at.most(root.clientWidth);
      const theme = doc.getElementById('theme')!.getBoundingClientRect();
      expect(theme.left).to.be.at.least(0);
      expect(theme.right).to.be.at.most(root.clientWidth);
      // (The access table's verdicts may put their time on a second line on a phone.)
      const oneLiners = everywhere('[part~="pill"], [part~="value"], [part~="time"], tbody th, td:nth-child(2)').filter(
        (el) => !el.closest('.verdict, [part~="when"]') && !(el.getRootNode() as ShadowRoot).host?.closest('.verdict'),
      );
      expect(oneLiners.length).to.be.above(20);
      const broken = oneLiners.filter((el) => !onOneLine(el)).map((el) => el.textContent);
      expect(broken, 'broken across lines').to.deep.equal([]);
      const spilled = [...doc.querySelectorAll('main .tile *, main .card *')].filter((el) => {
        const box = el.getBoundingClientRect();
        const card = el.closest('.tile, .card')!.getBoundingClientRect();
        return box.width > 0 && (box.left < card.left || box.right > card.right);
      });
      expect(
        spilled.map((el) => el.outerHTML.slice(0, 80)),
        'out of their card',
      ).to.deep.equal([]);
    });
  }

  it('shows a missed target on the card, in words and colour, and a met one again', async () => {
    const card = crashFree.closest('.tile')!;
    const shown = (selector: string) => getComputedStyle(card.querySelector(selector)!).display !== 'none';
    const border = getComputedStyle(card).borderTopColor;
    const missed = untilEvent(crashFree, 'rt-target', () => crashFree.target === 'missed');
    await publish(gw, 'kpis.s2', kpis(99.1));
    await missed;
    await crashFree.updateComplete;
    expect(crashFree.getAttribute('target')).to.equal('missed');
    expect(crashFree.shadowRoot!.querySelector('[part~="value"]')!.getAttribute('part')).to.equal('value missed');
    expect([shown('.goal-missed'), shown('.goal-met')]).to.deep.equal([true, false]);
    expect(getComputedStyle(card).borderTopColor).to.not.equal(border);

    const met = untilEvent(crashFree, 'rt-target', () => crashFree.target === 'met');
    await publish(gw, 'kpis.s2', kpis(99.7));
    await met;
    await crashFree.updateComplete;
    expect([shown('.goal-missed'), shown('.goal-met')]).to.deep.equal([false, true]);
  });

  it('plots live values on the KPI sparklines', async () => {
    const sparkline = doc.querySelector('rt-sparkline[field="ccu"]') as HTMLElement & {
      updateComplete: Promise<unknown>;
    };
    const line = () => sparkline.shadowRoot!.querySelector('[part~="line"]');
    const shape = () => line()?.getAttribute('points') ?? line()?.getAttribute('d');
    const before = shape();
    const ccu = doc.querySelector('rt-topic[field="ccu"]') as RtTopic;
    for (const value of [21_000, 12_000, 30_000]) {
      const arrived = untilEvent(ccu, 'rt-message', () => ccu.value === value);
      await publish(gw, 'kpis.s2', kpis(99.7, { ccu: value }));
      await arrived;
    }
    await sparkline.updateComplete;
    expect(shape()).to.be.a('string').and.not.equal(before);
    const img = sparkline.shadowRoot!.querySelector('[role="img"]')!;
    expect(img.getAttribute('aria-label')).to.contain('Concurrent players');
    expect(doc.querySelectorAll('.tile rt-sparkline')).to.have.length(4);
  });

  it('says offline in the footer when disconnected, and the transport once back', async () => {
    const info = doc.getElementById('link-info')!;
    expect(info.textContent).to.match(/^websocket · latency \d+ ms · /);
    const client = dash.rt.client!;
    const closed = untilStore(client.status, (s) => s.state === 'closed');
    (doc.getElementById('disconnect') as HTMLButtonElement).click();
    await closed; // the page's own listener came first
    expect(info.textContent).to.match(/^offline: disconnected · \d+ messages · \d+ reconnects$/);
    const open = untilStore(client.status, (s) => s.connected);
    (doc.getElementById('reconnect') as HTMLButtonElement).click();
    await open;
    expect(info.textContent).to.match(/^websocket · /);
  });

  for (const system of ['light', 'dark'] as const) {
    it(`switches the scheme on the first click of the theme button on a ${system} system`, async () => {
      // A fresh page on an emulated system, with no choice stored: it starts from the system's scheme.
      localStorage.removeItem('rt-demo-scheme'); // the frame shares the test page's origin
      await emulateMedia({ colorScheme: system });
      const fresh = await openDashboard(gw, 'ops.admin', 800, 400);
      try {
        const root = fresh.doc.documentElement;
        const button = fresh.doc.getElementById('theme')!;
        const background = () => getComputedStyle(fresh.doc.body).backgroundColor;
        expect([root.dataset.scheme, button.getAttribute('aria-pressed')]).to.deep.equal([
          system,
          String(system === 'dark'),
        ]);
        const colour = background();
        const other = system === 'dark' ? 'light' : 'dark';
        button.click();
        expect([root.dataset.scheme, button.getAttribute('aria-pressed')]).to.deep.equal([
          other,
          String(other === 'dark'),
        ]);
        expect(background()).to.not.equal(colour);
        button.click();
        expect(background()).to.equal(colour);
      } finally {
        fresh.frame.remove();
        await emulateMedia({ colorScheme: 'light' });
      }
    });
  }
});
