/**
 * `<rt-connection>`: the client it creates from its attributes or is given, what it provides to descendants,
 * and its lifecycle in the page. Clients it creates get a ticket provider that never answers, so nothing
 * touches the network and they stay `connecting` until disconnected.
 */
import { expect, fixture, html } from '@open-wc/testing';
import { setDefaultClient } from '../../src/controllers/context.js';
import type { Ticket } from '../../src/index.js';
import '../../src/define/index.js';
import type { RtConnection, RtStatus } from '../../src/elements/index.js';
import { fakeClient } from '../controllers/fake-client.js';
import { untilStore } from '../helpers/until.js';

const never = () => new Promise<Ticket>(() => {});

describe('<rt-connection>', () => {
  afterEach(() => setDefaultClient(undefined));

  it('creates a client from url, scopes and ticket-url (fetched only when connecting)', async () => {
    const el = await fixture<RtConnection>(
      html`<rt-connection url="ws://127.0.0.1:9/rt" scopes="ops.admin, liveops.admin" ticket-url="/rt/ticket" .options=${{ autoConnect: false }}></rt-connection>`,
    );
    expect(el.url).to.equal('ws://127.0.0.1:9/rt');
    expect(el.scopes).to.equal('ops.admin, liveops.admin');
    expect(el.ticketUrl).to.equal('/rt/ticket');
    expect(el.client).to.not.equal(undefined);
    expect(el.client!.status.get().state).to.equal('closed');
  });

  it('shares its connection with the browser\'s other tabs, unless share="off", which makes a new client', async () => {
    const shared = await fixture<RtConnection>(
      html`<rt-connection url="ws://127.0.0.1:9/rt" .options=${{ auth: never }}></rt-connection>`,
    );
    const own = await fixture<RtConnection>(
      html`<rt-connection url="ws://127.0.0.1:9/rt" share="off" .options=${{ auth: never }}></rt-connection>`,
    );
    await untilStore(shared.client!.status, (s) => s.shared !== null);
    expect(own.client!.status.get().shared).to.equal(null);
    const before = own.client;
    own.share = '';
    await own.updateComplete;
    expect(own.client).to.not.equal(before);
    await untilStore(own.client!.status, (s) => s.shared !== null);
    expect(before!.status.get().state).to.equal('closed');
    shared.remove();
    own.remove();
  });

  it('creates no client until the configuration is complete, and then one', async () => {
    const el = await fixture<RtConnection>(html`<rt-connection .options=${{ auth: never }}></rt-connection>`);
    expect(el.client).to.equal(undefined);
    el.url = 'ws://127.0.0.1:9/rt';
    await el.updateComplete;
    expect(el.client!.status.get().state).to.equal('connecting');
  });

  it('provides its client to descendants, also across shadow roots', async () => {
    const client = fakeClient();
    const el = await fixture<RtConnection>(html`<rt-connection .client=${client}><div></div></rt-connection>`);
    const host = el.querySelector('div')!;
    const badge = document.createElement('rt-status');
    host.attachShadow({ mode: 'open' }).append(badge);
    await badge.updateComplete;
    expect(badge.status).to.equal('live');
  });

  it('replaces its client when the scopes change, disconnecting the old one', async () => {
    const el = await fixture<RtConnection>(
      html`<rt-connection url="ws://127.0.0.1:9/rt" scopes="ops.admin" .options=${{ auth: never }}><rt-status></rt-status></rt-connection>`,
    );
    const first = el.client!;
    expect(first.status.get().state).to.equal('connecting');
    el.scopes = 'ops.admin,economy.admin';
    await el.updateComplete;
    expect(el.client).to.not.equal(first);
    expect(first.status.get().state).to.equal('closed');
    expect(el.client!.status.get().state).to.equal('connecting');
    const badge = el.querySelector('rt-status')!;
    await badge.updateComplete;
    expect(badge.status).to.equal('connecting');
  });

  it('keeps its client for a change that leaves the configuration as it was', async () => {
    const el = await fixture<RtConnection>(
      html`<rt-connection url="ws://127.0.0.1:9/rt" scopes="a,b" .options=${{ auth: never }}></rt-connection>`,
    );
    const first = el.client;
    el.scopes = 'a,b';
    el.requestUpdate();
    await el.updateComplete;
    expect(el.client).to.equal(first);
  });

  it('disconnects its own client when removed and reconnects it when put back', async () => {
    const el = await fixture<RtConnection>(
      html`<rt-connection url="ws://127.0.0.1:9/rt" .options=${{ auth: never }}></rt-connection>`,
    );
    const client = el.client!;
    const parent = el.parentElement!;
    el.remove();
    expect(client.status.get().state).to.equal('closed');
    parent.append(el);
    expect(el.client).to.equal(client);
    expect(client.status.get().state).to.equal('connecting');
    el.remove();
  });

  it('never disconnects a client it was given', async () => {
    const client = fakeClient();
    const el = await fixture<RtConnection>(html`<rt-connection .client=${client}></rt-connection>`);
    el.remove();
    expect(client.calls.disconnect).to.equal(0);
  });

  it('connect() and disconnect() drive the client', async () => {
    const client = fakeClient();
    const el = await fixture<RtConnection>(html`<rt-connection .client=${client}></rt-connection>`);
    el.disconnect();
    el.connect();
    expect(client.calls).to.deep.equal({ connect: 1, disconnect: 1 });
  });

  it('the closest connection wins when they nest', async () => {
    const outer = fakeClient();
    const inner = fakeClient({ state: 'reconnecting', connected: false });
    const el = await fixture<RtConnection>(html`
      <rt-connection .client=${outer}>
        <rt-status id="a"></rt-status>
        <rt-connection .client=${inner}><rt-status id="b"></rt-status></rt-connection>
      </rt-connection>
    `);
    const a = el.querySelector<RtStatus>('#a')!;
    const b = el.querySelector<RtStatus>('#b')!;
    await Promise.all([a.updateComplete, b.updateComplete]);
    expect([a.status, b.status]).to.deep.equal(['live', 'reconnecting']);
  });

  it('elements inside a connection without a client do not fall back to the page-wide default', async () => {
    setDefaultClient(fakeClient());
    const el = await fixture<RtConnection>(html`<rt-connection><rt-status></rt-status></rt-connection>`);
    const badge = el.querySelector('rt-status')!;
    await badge.updateComplete;
    expect(badge.status).to.equal('offline');
  });

  it('adds no box of its own, and is accessible', async () => {
    const el = await fixture<RtConnection>(
      html`<rt-connection .client=${fakeClient()}><rt-status></rt-status></rt-connection>`,
    );
    expect(getComputedStyle(el).display).to.equal('contents');
    await expect(el).to.be.accessible();
  });
});
