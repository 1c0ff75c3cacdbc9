/**
 * `<rt-status>` over a client double: each status, the title, compact mode, `rt-state` events, parts and
 * accessibility.
 */
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { setDefaultClient } from '../../src/controllers/context.js';
import '../../src/define/index.js';
import type { RtStatus } from '../../src/elements/index.js';
import { fakeClient, type FakeClient } from '../controllers/fake-client.js';

const part = (el: Element, name: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`)!;
const shown = (el: Element) => `${part(el, 'dot').textContent} ${part(el, 'label').textContent}`;

describe('<rt-status>', () => {
  let client: FakeClient;

  async function mount(badge = html`<rt-status></rt-status>`): Promise<RtStatus> {
    const conn = await fixture(html`<rt-connection .client=${client}>${badge}</rt-connection>`);
    const el = conn.querySelector('rt-status')!;
    await el.updateComplete;
    return el;
  }
  async function set(el: RtStatus, ...args: Parameters<FakeClient['setStatus']>): Promise<void> {
    client.setStatus(...args);
    await el.updateComplete;
  }

  beforeEach(() => {
    client = fakeClient();
  });
  afterEach(() => setDefaultClient(undefined));

  it('is ● Live while the connection is open, with the transport and reconnects in its title', async () => {
    const el = await mount();
    expect(shown(el)).to.equal('● Live');
    expect(el.status).to.equal('live');
    expect(el.getAttribute('status')).to.equal('live');
    expect(part(el, 'base').title).to.equal('Live · websocket · reconnects: 0');
    await expect(el).to.be.accessible();
  });

  it('is ◌ Connecting while the first connection is being made', async () => {
    client = fakeClient({ state: 'connecting', connected: false });
    const el = await mount();
    expect(shown(el)).to.equal('◌ Connecting');
    expect(el.status).to.equal('connecting');
    await expect(el).to.be.accessible();
  });

  it('is ◌ Reconnecting (n), counting the attempts since the connection dropped', async () => {
    const el = await mount();
    await set(el, { state: 'reconnecting', connected: false });
    expect(shown(el)).to.equal('◌ Reconnecting');
    await set(el, {}, { reconnectCount: 1 });
    expect(shown(el)).to.equal('◌ Reconnecting (1)');
    await set(el, {}, { reconnectCount: 2 });
    expect(shown(el)).to.equal('◌ Reconnecting (2)');
    expect(part(el, 'base').title).to.equal('Reconnecting (2) · websocket · reconnects: 2');
    await set(el, { state: 'open', connected: true, transport: 'sse' });
    expect(shown(el)).to.equal('● Live');
    expect(part(el, 'base').title).to.equal('Live · sse · reconnects: 2');
    await set(el, { state: 'reconnecting', connected: false }, { reconnectCount: 3 });
    expect(shown(el)).to.equal('◌ Reconnecting (1)');
    await expect(el).to.be.accessible();
  });

  it('is ○ Offline when the client stopped, with the reason in its title', async () => {
    const el = await mount();
    await set(el, {
      state: 'closed',
      connected: false,
      error: { source: 'close', code: 4403, reason: 'forbidden origin' },
    });
    expect(shown(el)).to.equal('○ Offline');
    expect(part(el, 'base').title).to.equal('Offline · websocket · reconnects: 0 · forbidden origin');
    await set(el, { state: 'offline', error: null });
    expect(el.status).to.equal('offline');
    await expect(el).to.be.accessible();
  });

  it('is ○ Offline when access was revoked (4410), with the reason in its title', async () => {
    const el = await mount();
    await set(el, {
      state: 'closed',
      connected: false,
      error: { source: 'close', code: 4410, reason: 'revoked' },
    });
    expect(shown(el)).to.equal('○ Offline');
    expect(el.getAttribute('status')).to.equal('offline');
    expect(part(el, 'base').title).to.equal('Offline · websocket · reconnects: 0 · revoked');
    await expect(el).to.be.accessible();
  });

  it('stays ● Live while a refresh fails, the refresh error in its title until it is solved', async () => {
    const el = await mount();
    const error = { source: 'refresh', code: 4401, reason: 'refresh refused: rate_limited' } as const;
    await set(el, { error, expiresAt: Date.now() + 30_000 });
    expect(shown(el)).to.equal('● Live');
    expect(part(el, 'base').title).to.equal('Live · websocket · reconnects: 0 · refresh refused: rate_limited');
    await set(el, { error: null });
    expect(part(el, 'base').title).to.equal('Live · websocket · reconnects: 0');
  });

  it('is ○ Offline without any client', async () => {
    const el = await fixture<RtStatus>(html`<rt-status></rt-status>`);
    expect(shown(el)).to.equal('○ Offline');
    expect(part(el, 'base').title).to.equal('Offline');
  });

  it('is a status live region', async () => {
    const el = await mount();
    expect(part(el, 'base').getAttribute('role')).to.equal('status');
    expect(part(el, 'dot').getAttribute('aria-hidden')).to.equal('true');
  });

  it('shows only the glyph in compact mode, keeping the text for screen readers', async () => {
    const el = await mount(html`<rt-status compact></rt-status>`);
    expect(el.compact).to.equal(true);
    const label = part(el, 'label');
    expect(label.textContent).to.equal('Live');
    expect(label.getBoundingClientRect().width).to.be.at.most(1);
    expect(part(el, 'dot').getBoundingClientRect().width).to.be.greaterThan(1);
    await expect(el).to.be.accessible();
    el.compact = false;
    await el.updateComplete;
    expect(el.hasAttribute('compact')).to.equal(false);
    expect(label.getBoundingClientRect().width).to.be.greaterThan(1);
  });

  describe('show-latency', () => {
    it("shows the last live message's latency while live, read as latency and not announced as it changes", async () => {
      const el = await mount(html`<rt-status show-latency></rt-status>`);
      expect(part(el, 'latency')).to.equal(null); // no live message yet
      await set(el, {}, { latencyMs: 42 });
      const latency = part(el, 'latency');
      expect(latency.textContent).to.equal('latency 42 ms');
      // "latency" is for screen readers: visually hidden.
      expect(latency.querySelector('.vh')!.getBoundingClientRect().width).to.be.at.most(1);
      expect(latency.getAttribute('aria-live')).to.equal('off');
      expect(latency.closest('[role="status"]')).to.equal(part(el, 'base'));
      await expect(el).to.be.accessible();
      await set(el, {}, { latencyMs: 7 });
      expect(part(el, 'latency').textContent).to.equal('latency 7 ms');
      expect(part(el, 'base').title).to.equal('Live · websocket · reconnects: 0');
    });

    it('hides it while not live, and without the attribute', async () => {
      const el = await mount(html`<rt-status show-latency></rt-status>`);
      await set(el, { state: 'reconnecting', connected: false }, { latencyMs: 42 });
      expect(part(el, 'latency')).to.equal(null);
      await set(el, { state: 'open', connected: true });
      expect(part(el, 'latency').textContent).to.equal('latency 42 ms');
      el.showLatency = false;
      await el.updateComplete;
      expect(part(el, 'latency')).to.equal(null);
      const plain = await mount();
      expect(part(plain, 'latency')).to.equal(null);
    });

    it('shows it beside the glyph in compact mode', async () => {
      const el = await mount(html`<rt-status compact show-latency></rt-status>`);
      await set(el, {}, { latencyMs: 12 });
      expect(part(el, 'latency').getBoundingClientRect().width).to.be.greaterThan(1);
      await expect(el).to.be.accessible();
    });
  });

  it('fires rt-state when the status changes, with the connection state; it bubbles out of shadow roots', async () => {
    const el = await mount();
    const heard = oneEvent(document, 'rt-state');
    client.setStatus({ state: 'reconnecting', connected: false });
    const event = await heard;
    expect(event.target).to.equal(el);
    expect(event.composed).to.equal(true);
    expect(event.detail.status).to.equal('reconnecting');
    expect(event.detail.state?.state).to.equal('reconnecting');
    expect(el.status, 'the property agrees with the event').to.equal('reconnecting');
  });

  it('does not fire rt-state for changes that keep the status', async () => {
    const el = await mount();
    let fired = 0;
    el.addEventListener('rt-state', () => fired++);
    await set(el, {}, { messagesReceived: 5 });
    await set(el, { state: 'reconnecting' });
    await set(el, {}, { reconnectCount: 1 });
    expect(fired).to.equal(1);
  });

  it('follows a new client from its <rt-connection>', async () => {
    const el = await mount();
    const conn = el.closest('rt-connection')!;
    const next = fakeClient({ state: 'connecting', connected: false });
    const heard = oneEvent(el, 'rt-state');
    conn.client = next;
    expect((await heard).detail.status).to.equal('connecting');
    await el.updateComplete;
    expect(shown(el)).to.equal('◌ Connecting');
  });
});
