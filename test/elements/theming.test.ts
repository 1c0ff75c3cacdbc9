/**
 * Theming from the page: `::part()` rules, `--rt-*` custom properties set on any ancestor, and the light and
 * dark palettes that follow the page's `color-scheme`.
 */
import { expect, fixture, html } from '@open-wc/testing';
import '../../src/define/index.js';
import type { RtStatus } from '../../src/elements/index.js';
import { fakeClient } from '../controllers/fake-client.js';

const color = (badge: RtStatus) => getComputedStyle(badge.shadowRoot!.querySelector('[part="base"]')!).color;

async function badge(style: string, state: Parameters<typeof fakeClient>[0] = {}): Promise<RtStatus> {
  // The fixture's root is the connection (display: contents, yet custom properties and color-scheme inherit
  // through it): a plain <div> root would make the fixture wait for an animation frame.
  const root = await fixture(
    html`<rt-connection style=${style} .client=${fakeClient(state)}><rt-status></rt-status></rt-connection>`,
  );
  const el = root.querySelector('rt-status')!;
  await el.updateComplete;
  return el;
}

describe('theming', () => {
  it('uses the light palette by default and the dark one under color-scheme: dark', async () => {
    expect(color(await badge(''))).to.equal('rgb(17, 99, 41)');
    expect(color(await badge('color-scheme: dark'))).to.equal('rgb(63, 185, 80)');
    expect(color(await badge('color-scheme: dark', { state: 'reconnecting' }))).to.equal('rgb(210, 153, 34)');
  });

  it('takes --rt-* colours from any ancestor', async () => {
    expect(color(await badge('--rt-color-live: rgb(1, 2, 3)'))).to.equal('rgb(1, 2, 3)');
    expect(color(await badge('--rt-color-offline: rgb(4, 5, 6)', { state: 'closed' }))).to.equal('rgb(4, 5, 6)');
  });

  it('exposes its parts to ::part() rules', async () => {
    const style = document.createElement('style');
    style.textContent = '.themed::part(base) { border-radius: 3px } .themed::part(dot) { color: rgb(7, 8, 9) }';
    document.head.append(style);
    try {
      const el = await badge('');
      el.classList.add('themed');
      expect(getComputedStyle(el.shadowRoot!.querySelector('[part="base"]')!).borderRadius).to.equal('3px');
      expect(getComputedStyle(el.shadowRoot!.querySelector('[part="dot"]')!).color).to.equal('rgb(7, 8, 9)');
    } finally {
      style.remove();
    }
  });

  it('styles <rt-topic> values and <rt-feed> items through their parts and properties', async () => {
    const client = fakeClient();
    const root = await fixture(html`
      <rt-connection style="--rt-value-color: rgb(10, 20, 30); --rt-feed-item-padding: 5px" .client=${client}>
        <rt-topic topic="kpis.s2" field="v"></rt-topic>
        <rt-feed topic="liveops.events"></rt-feed>
      </rt-connection>
    `);
    const topic = root.querySelector('rt-topic')!;
    const feed = root.querySelector('rt-feed')!;
    client.publish('kpis.s2', { v: 1 });
    client.publish('liveops.events', 'first');
    await Promise.all([topic.updateComplete, feed.updateComplete]);
    expect(getComputedStyle(topic.shadowRoot!.querySelector('[part="value"]')!).color).to.equal('rgb(10, 20, 30)');
    expect(getComputedStyle(feed.shadowRoot!.querySelector('[part="item"]')!).paddingTop).to.equal('5px');
  });
});
