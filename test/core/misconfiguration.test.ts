import { expect } from '@open-wc/testing';
import { createClient } from '../../src/core/client.js';
import type { Client, ClientOptions, RealtimeError } from '../../src/core/types.js';
import { installClock, type FakeClock } from '../helpers/fake-clock.js';
import { fakeAuth, FakeEventSource, FakeWebSocket, MockGateway } from '../helpers/mock-gateway.js';

const ES = FakeEventSource as unknown as typeof EventSource;
const PAGE = '<!doctype html>\n<html lang="en">\n  <head><title>Vite App</title></head>\n</html>\n';
const EXCERPT = JSON.stringify(PAGE.slice(0, 80)); // how an error quotes the page
const html = (status = 200) => new Response(PAGE, { status, headers: { 'Content-Type': 'text/html' } });
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('a misconfigured client is never silent (mock gateway, fake clock, stubbed fetch)', () => {
  const realFetch = globalThis.fetch;
  const realWarn = console.warn;
  let clock: FakeClock;
  let gw: MockGateway;
  let client: Client | undefined;
  let warnings: unknown[][]; // console.warn calls
  let answer: (url: string) => Promise<Response>; // what fetch gets
  let asked: string[];

  const make = (options: Partial<ClientOptions> = {}): Client =>
    (client = createClient({
      url: gw.url,
      auth: '/rt/ticket',
      WebSocket: FakeWebSocket,
      transports: ['websocket'],
      minDelay: 100,
      ...options,
    }));
  const error = (): RealtimeError | null => client!.status.get().error;

  beforeEach(() => {
    clock = installClock();
    gw = new MockGateway();
    warnings = [];
    console.warn = (...args: unknown[]) => void warnings.push(args);
    asked = [];
    globalThis.fetch = ((input: RequestInfo | URL) => {
      asked.push(String(input));
      return answer(String(input));
    }) as typeof fetch;
    FakeEventSource.instances = [];
  });
  afterEach(() => {
    client?.disconnect();
    client = undefined;
    gw.stop();
    clock.uninstall();
    globalThis.fetch = realFetch;
    console.warn = realWarn;
  });

  describe('the ticket endpoint', () => {
    it('an HTML page (a dev server answering index.html): the URL and the page in status.error, then it stops', async () => {
      answer = async () => html();
      make({ scopes: ['ops.admin'] });
      await clock.tick(10);
      expect(client!.status.get().state).to.equal('reconnecting');
      expect(error()).to.deep.equal({
        source: 'ticket',
        code: -1,
        reason: `/rt/ticket?scopes=ops.admin answered 200 text/html ${EXCERPT}: not a ticket (README: Troubleshooting)`,
      });
      await clock.tick(60_000);
      expect(asked.length).to.equal(3); // not a ticket counts as a refusal: three in a row stop
      expect(client!.status.get()).to.include({ state: 'closed', connected: false });
      expect(error()).to.include({ source: 'ticket', code: -1 });
      expect(warnings).to.deep.equal([[`[lydian] ${error()!.reason} (ticket -1)`]]);
    });

    it('JSON that is not a ticket names what came back', async () => {
      answer = async () => json({ token: 'abc123' });
      make();
      await clock.tick(10);
      expect(error()!.reason).to.equal(
        '/rt/ticket?scopes= answered 200 application/json "{\\"token\\":\\"abc123\\"}": not a ticket (README: Troubleshooting)',
      );
    });

    it('a ticket from an auth function that is not one names what it gave', async () => {
      make({ auth: () => ({ ts: 1_700_000_000, nonce: 'ab', scopes: '' }) as never });
      await clock.tick(10);
      expect(error()).to.deep.equal({
        source: 'ticket',
        code: -1,
        reason: '`auth` gave {"ts":1700000000,"nonce":"ab","scopes":""}: not a ticket (README: Troubleshooting)',
      });
    });

    it('a redirect says where it ended', async () => {
      answer = async () => {
        const res = html();
        Object.defineProperty(res, 'redirected', { value: true });
        Object.defineProperty(res, 'url', { value: 'https://app.test/login' });
        return res;
      };
      make();
      await clock.tick(10);
      expect(error()!.reason).to.match(/^\/rt\/ticket\?scopes= → https:\/\/app\.test\/login answered 200 text\/html "/);
    });

    it('an error status: retried with the status and the body in status.error, cleared once a ticket comes', async () => {
      const ticket = await fakeAuth().auth([]);
      let calls = 0;
      answer = async () => (++calls < 3 ? new Response('upstream exploded', { status: 502 }) : json(ticket));
      make();
      await clock.tick(10);
      expect(client!.status.get().state).to.equal('reconnecting');
      expect(error()).to.deep.equal({
        source: 'ticket',
        code: 502,
        reason: '/rt/ticket?scopes= answered 502 text/plain;charset=UTF-8 "upstream exploded"',
      });
      await clock.tick(60_000);
      expect(calls).to.equal(3);
      expect(client!.status.get()).to.include({ state: 'open', error: null });
      expect(warnings.length).to.equal(1); // once, not once per retry
    });

    it('a network or CORS failure names the URL and hints at CORS, and retries', async () => {
      answer = () => Promise.reject(new TypeError('Failed to fetch'));
      make({ auth: 'http://127.0.0.1:9/rt/ticket' });
      await clock.tick(60_000);
      expect(client!.status.get().state).to.equal('reconnecting');
      expect(error()).to.deep.equal({
        source: 'ticket',
        code: 0,
        reason: 'http://127.0.0.1:9/rt/ticket?scopes=: TypeError: Failed to fetch (CORS?) (README: Troubleshooting)',
      });
      expect(asked.length).to.be.above(3);
      expect(warnings.length).to.equal(1);
    });

    it('offline, a failed fetch is no problem to report: no error, no warning', async () => {
      answer = () => Promise.reject(new TypeError('Failed to fetch'));
      make();
      window.dispatchEvent(new Event('offline')); // while the ticket is being fetched
      await clock.tick(10);
      expect(client!.status.get()).to.include({ state: 'offline', error: null });
      expect(warnings).to.deep.equal([]);
      window.dispatchEvent(new Event('online'));
    });
  });

  describe('where the warning goes', () => {
    it('to the logger instead of the console, once per kind', async () => {
      answer = async () => html();
      const problems: unknown[] = [];
      make({ logger: (level, event, data) => event === 'problem' && problems.push([level, data]) });
      await clock.tick(60_000);
      expect(problems).to.deep.equal([['warn', error()]]);
      expect(warnings).to.deep.equal([]);
    });

    it('with debug, to the console as well as every event', async () => {
      answer = async () => html();
      const debug: unknown[][] = [];
      const real = { info: console.info, debug: console.debug, error: console.error };
      console.info = console.debug = console.error = (...args: unknown[]) => void debug.push(args);
      try {
        make({ debug: true });
        await clock.tick(60_000);
      } finally {
        Object.assign(console, real);
      }
      const told = warnings.filter((args) => args.length === 1);
      expect(told).to.deep.equal([[`[lydian] ${error()!.reason} (ticket -1)`]]);
      expect(warnings.filter((args) => args[1] === 'ticket.error').length).to.equal(3); // verbose, as before
      expect(debug.length).to.be.above(0);
    });

    it('each kind once: a ticket failure, then a stop', async () => {
      let calls = 0;
      answer = async () => (++calls === 1 ? html(500) : json({ error: 'unauthorized' }, 401));
      make();
      await clock.tick(60_000);
      expect(warnings.map(([text]) => String(text).replace(/ ".*/, ''))).to.deep.equal([
        '[lydian] /rt/ticket?scopes= answered 500 text/html',
        '[lydian] /rt/ticket?scopes= answered 401 application/json',
      ]);
    });
  });

  describe('a gateway URL that is no gateway', () => {
    it('a WebSocket that opens and never says hello: an error after helloTimeout, retried, cleared by a hello', async () => {
      gw = new MockGateway({ hello: false });
      make({ auth: fakeAuth().auth, helloTimeout: 2_000 });
      await clock.tick(1_990);
      expect(error()).to.equal(null);
      await clock.tick(20);
      expect(client!.status.get().state).to.equal('reconnecting');
      expect(error()).to.deep.equal({
        source: 'transport',
        code: 1006,
        reason: `${gw.url} did not answer as a Lydian gateway: no hello in 2000 ms`,
      });
      await clock.tick(4_000);
      expect(gw.attempts).to.be.above(2);
      expect(warnings.length).to.equal(1);
      expect(client!.status.get().state).to.equal('reconnecting');
      const before = gw.attempts;
      await clock.tick(1_000); // the retry (within a few × minDelay), not yet its deadline
      expect(gw.attempts).to.equal(before + 1);
      gw.last.send({ type: 'hello', v: 1, id: 'c1', scopes: [], heartbeatMs: 15_000 });
      await clock.tick(10);
      expect(client!.status.get()).to.include({ state: 'open', error: null });
    });

    it('waits 10 s for hello by default', async () => {
      gw = new MockGateway({ hello: false });
      make({ auth: fakeAuth().auth });
      await clock.tick(9_990);
      expect(client!.status.get().state).to.equal('connecting');
      await clock.tick(20);
      expect(error()!.reason).to.match(/no hello in 10000 ms$/);
    });

    const onSse = async () => {
      make({ auth: fakeAuth().auth, transports: ['sse'], EventSource: ES });
      client!.topic('kpis.s2').subscribe(() => {});
      await clock.tick(10);
      FakeEventSource.last.fail();
      await clock.tick(5);
    };

    it('an SSE URL answering a page: both URLs and the page in status.error, retried', async () => {
      answer = async () => html();
      await onSse();
      expect(client!.status.get().state).to.equal('reconnecting');
      const sse = gw.url.replace('ws:', 'http:') + '/sse';
      expect(error()).to.deep.equal({
        source: 'transport',
        code: 1006,
        reason: `${gw.url} did not answer as a Lydian gateway: ${sse} answered 200 text/html ${EXCERPT}`,
      });
      expect(warnings.length).to.equal(1);
    });

    it('an SSE URL answering 404 without the gateway JSON is no gateway either', async () => {
      answer = async () => new Response('Cannot GET /rt/sse', { status: 404 });
      await onSse();
      expect(error()!.reason).to.match(/did not answer as a Lydian gateway: .* answered 404 text\/plain/);
    });

    it('a 5xx page (a proxy in front of a gateway that is down) is no misconfiguration', async () => {
      answer = async () => html(502);
      await onSse();
      expect(client!.status.get()).to.include({ state: 'reconnecting', error: null });
      expect(warnings).to.deep.equal([]);
    });
  });
});
