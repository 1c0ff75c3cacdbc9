/**
 * End to end: the demo dashboard (demo/index.html, loading /dist/rt-elements.js, which the elements plugin
 * serves from source) in an iframe, against a real gateway in demo mode that the test stops and starts again
 * on the same port. Every wait is on an element's event or the page's load, never a sleep.
 */
import { expect, waitUntil } from '@open-wc/testing';
import type { RtStatus, RtTopic } from '../../src/elements/index.js';
import { untilEvent } from '../helpers/until.js';
import {
  kpis,
  openDashboard,
  publish,
  shadowText,
  startGateway,
  stopGateway,
  type DemoGateway,
} from './dashboard-frame.js';

describe('the live-ops dashboard against a real gateway', function () {
  this.timeout(30_000);
  let gw: DemoGateway;
  let frame: HTMLIFrameElement;
  let doc: Document;
  let badge: RtStatus;
  let crashFree: RtTopic;

  before(async () => {
    gw = await startGateway();
    await publish(gw, 'kpis.s2', kpis(99.25)); // retained: a subscriber gets it at once
    ({ frame, doc } = await openDashboard(gw, 'ops.admin,liveops.admin'));
    badge = doc.getElementById('status') as RtStatus;
    crashFree = doc.querySelector('rt-topic[field="crash_free"]') as RtTopic;
  });
  after(async () => {
    frame?.remove();
    await stopGateway(gw);
  });

  it('goes live and shows the values the gateway publishes', async () => {
    await untilEvent(badge, 'rt-state', () => badge.status === 'live');
    expect(shadowText(badge, 'label')).to.equal('Live');
    await untilEvent(crashFree, 'rt-message', () => crashFree.value === 99.25);
    await crashFree.updateComplete;
    expect(shadowText(crashFree, 'value')).to.equal(
      new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 2 }).format(0.9925),
    );
    await publish(gw, 'kpis.s2', kpis(98.5));
    await untilEvent(crashFree, 'rt-message', () => crashFree.value === 98.5);
  });

  it('shares one connection with a second dashboard in the same browser, and says so in both footers', async () => {
    const second = await openDashboard(gw, 'ops.admin,liveops.admin');
    try {
      const footer = (d: Document) => d.getElementById('link-info')!.textContent ?? '';
      await waitUntil(
        () => [doc, second.doc].every((d) => / for 2 tabs/.test(footer(d))),
        'both footers say the connection is shared by 2 tabs',
        { timeout: 10_000 },
      );
      const holders = [footer(doc), footer(second.doc)].filter((text) => text.includes('held by this one'));
      expect(holders).to.have.length(1);
    } finally {
      second.frame.remove();
    }
  });

  it('shows which topics the scopes allow, and forbidden for the others', async () => {
    const verdict = (topic: string) => doc.querySelector(`tr[data-topic="${topic}"] .verdict rt-topic`) as RtTopic;
    const economy = verdict('economy.patch');
    // A refusal has no event of its own: wait for the state the element reflects.
    await waitUntil(() => economy.getAttribute('status') === 'error', 'economy.patch is refused');
    expect(economy.error).to.equal('forbidden');
    expect(doc.querySelector('tr[data-topic="economy.patch"]')!.classList.contains('denied')).to.equal(true);
    const ops = verdict('kpis.s2');
    await untilEvent(ops, 'rt-message', () => ops.status === 'live');
  });

  it('leaves live when the gateway stops, keeping the last values as stale, and is live again when it is back', async () => {
    const down = untilEvent(badge, 'rt-state', () => badge.status === 'reconnecting');
    await stopGateway(gw);
    await down;
    await badge.updateComplete;
    expect(shadowText(badge, 'label')).to.match(/^Reconnecting/);
    await crashFree.updateComplete;
    expect(crashFree.status).to.equal('stale');
    expect(shadowText(crashFree, 'value')).to.not.equal(undefined);

    const back = untilEvent(badge, 'rt-state', () => badge.status === 'live');
    gw = await startGateway(gw.port); // the same address: a restarted gateway
    await back;
    await publish(gw, 'kpis.s2', kpis(99.9));
    await untilEvent(crashFree, 'rt-message', () => crashFree.value === 99.9);
    await crashFree.updateComplete;
    expect(crashFree.status).to.equal('live');
  });

  it('goes ○ Offline with the Disconnect button and live again with Reconnect', async () => {
    const disconnect = doc.getElementById('disconnect') as HTMLButtonElement;
    const reconnect = doc.getElementById('reconnect') as HTMLButtonElement;
    expect(reconnect.disabled).to.equal(true);
    const offline = untilEvent(badge, 'rt-state', () => badge.status === 'offline');
    disconnect.click();
    await offline;
    await badge.updateComplete;
    expect(`${shadowText(badge, 'dot')} ${shadowText(badge, 'label')}`).to.equal('○ Offline');
    expect([disconnect.disabled, reconnect.disabled]).to.deep.equal([true, false]);
    const live = untilEvent(badge, 'rt-state', () => badge.status === 'live');
    reconnect.click();
    await live;
    expect([disconnect.disabled, reconnect.disabled]).to.deep.equal([false, true]);
  });
});
