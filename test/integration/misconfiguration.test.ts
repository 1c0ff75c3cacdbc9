/**
 * A misconfigured client in real Chromium against real servers that are not what it was told (started by the
 * gateway plugin's `bad:start`: a dev server answering `index.html` for every path, a redirect, JSON that is no
 * ticket, a 500, a server without CORS headers, a WebSocket server that never says hello). Each case must end in
 * a clear `status.error` naming the URL and what came back, and in exactly one console warning.
 */
import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { createClient } from '../../src/core/client.js';
import type { Client, ClientOptions, ConnectionState } from '../../src/core/types.js';
import { startGateway, stopGateway, type TestGateway } from '../helpers/commands.js';
import { untilStore } from '../helpers/until.js';

/** A server that is no ticket endpoint nor gateway (test/helpers/gateway-plugin.mjs, `bad:start`). */
interface BadServer {
  id: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `ws://127.0.0.1:<port>/rt` */
  wsUrl: string;
}
type BadKind = 'html' | 'redirect' | 'json' | 'status' | 'silent-ws';
const startBad = (kind: BadKind, cors = true) =>
  executeServerCommand<BadServer, { kind: BadKind; cors: boolean }>('bad:start', { kind, cors });
const stopBad = (server: BadServer) => executeServerCommand<boolean, { id: number }>('bad:stop', { id: server.id });

const PAGE_START = '"<!doctype html>\\n<html lang=\\"en\\">';

describe('a misconfigured client against real servers', () => {
  const realWarn = console.warn;
  let warnings: unknown[][];
  let bad: BadServer | undefined;
  let gw: TestGateway | undefined;
  let client: Client | undefined;

  const make = (options: Partial<ClientOptions> & Pick<ClientOptions, 'url'>): Client =>
    (client = createClient({ scopes: ['ops.admin'], minDelay: 20, maxDelay: 200, ...options }));
  /** Resolves with the first state whose error says something. */
  const firstError = (c: Client): Promise<ConnectionState> => untilStore(c.status, (s) => s.error !== null);

  beforeEach(() => {
    warnings = [];
    console.warn = (...args: unknown[]) => void warnings.push(args);
  });
  afterEach(async () => {
    client?.disconnect();
    client = undefined;
    console.warn = realWarn;
    if (bad) await stopBad(bad);
    if (gw) await stopGateway(gw);
    bad = gw = undefined;
  });

  describe('`auth` is not the ticket endpoint', () => {
    it('a dev server answering index.html: the URL and the page in status.error while it retries, then it stops', async () => {
      bad = await startBad('html');
      const auth = `${bad.url}/rt/ticket`;
      const c = make({ url: 'ws://127.0.0.1:9/rt', auth });
      const s = await firstError(c);
      expect(s.state).to.equal('reconnecting');
      expect(s.error).to.include({ source: 'ticket', code: -1 });
      expect(s.error!.reason).to.satisfy((r: string) =>
        r.startsWith(`${auth}?scopes=ops.admin answered 200 text/html ${PAGE_START}`),
      );
      expect(s.error!.reason).to.match(/: not a ticket \(README: Troubleshooting\)$/);
      const stopped = await untilStore(c.status, (v) => v.state === 'closed');
      expect(stopped.error).to.deep.equal(s.error); // three in a row: a refusal, as a malformed ticket
      expect(warnings).to.deep.equal([[`[lydian] ${s.error!.reason} (ticket -1)`]]);
    });

    it('a redirect says where it ended', async () => {
      bad = await startBad('redirect');
      const c = make({ url: 'ws://127.0.0.1:9/rt', auth: `${bad.url}/rt/ticket` });
      const { error } = await firstError(c);
      const login = `${bad.url}/login?next=${encodeURIComponent('/rt/ticket?scopes=ops.admin')}`;
      expect(error!.reason).to.satisfy((r: string) =>
        r.startsWith(`${bad!.url}/rt/ticket?scopes=ops.admin → ${login} answered 200 text/html ${PAGE_START}`),
      );
      expect(warnings.length).to.equal(1);
    });

    it('JSON that is no ticket is quoted', async () => {
      bad = await startBad('json');
      const c = make({ url: 'ws://127.0.0.1:9/rt', auth: `${bad.url}/rt/ticket` });
      const { error } = await firstError(c);
      expect(error).to.deep.equal({
        source: 'ticket',
        code: -1,
        reason: `${bad.url}/rt/ticket?scopes=ops.admin answered 200 application/json "{\\"token\\":\\"abc123\\"}": not a ticket (README: Troubleshooting)`,
      });
    });

    it('an error status: its body in status.error, retried with backoff, told once', async () => {
      bad = await startBad('status');
      const c = make({ url: 'ws://127.0.0.1:9/rt', auth: `${bad.url}/rt/ticket` });
      const { error } = await firstError(c);
      expect(error).to.deep.equal({
        source: 'ticket',
        code: 500,
        reason: `${bad.url}/rt/ticket?scopes=ops.admin answered 500 text/plain "upstream exploded"`,
      });
      await untilStore(c.status, (s) => s.stats.reconnectCount >= 3);
      expect(c.status.get()).to.include({ state: 'reconnecting' });
      expect(c.status.get().error).to.deep.equal(error);
      expect(warnings.length).to.equal(1);
    });

    it('another origin without CORS headers: the URL and a CORS hint, retried', async () => {
      bad = await startBad('html', false);
      const c = make({ url: 'ws://127.0.0.1:9/rt', auth: `${bad.url}/rt/ticket` });
      const { error, state } = await firstError(c);
      expect(state).to.equal('reconnecting');
      expect(error).to.deep.equal({
        source: 'ticket',
        code: 0,
        reason: `${bad.url}/rt/ticket?scopes=ops.admin: TypeError: Failed to fetch (CORS?) (README: Troubleshooting)`,
      });
      await untilStore(c.status, (s) => s.stats.reconnectCount >= 3);
      expect(warnings.length).to.equal(1);
    });
  });

  describe('`url` is not the gateway', () => {
    it('a dev server: WebSocket fails, the SSE fallback gets its page; both URLs in status.error', async () => {
      [gw, bad] = await Promise.all([startGateway(), startBad('html')]);
      const c = make({ url: bad.wsUrl, auth: `${gw.url}/rt/ticket` });
      c.topic('kpis.s2').subscribe(() => {}); // SSE opens a stream only for a topic
      const s = await firstError(c);
      expect(s).to.include({ state: 'reconnecting', transport: 'sse' });
      expect(s.error).to.include({ source: 'transport', code: 1006 });
      expect(s.error!.reason).to.satisfy((r: string) =>
        r.startsWith(
          `${bad!.wsUrl} did not answer as a Lydian gateway: ${bad!.url}/rt/sse answered 200 text/html ${PAGE_START}`,
        ),
      );
      await untilStore(c.status, (v) => v.stats.reconnectCount >= 4);
      expect(warnings).to.deep.equal([[`[lydian] ${s.error!.reason} (transport 1006)`]]);
    });

    it('a WebSocket server that never says hello: an error after helloTimeout, retried', async () => {
      [gw, bad] = await Promise.all([startGateway(), startBad('silent-ws')]);
      const c = make({ url: bad.wsUrl, auth: `${gw.url}/rt/ticket`, transports: ['websocket'], helloTimeout: 300 });
      const s = await firstError(c);
      expect(s.state).to.equal('reconnecting');
      expect(s.error).to.deep.equal({
        source: 'transport',
        code: 1006,
        reason: `${bad.wsUrl} did not answer as a Lydian gateway: no hello in 300 ms`,
      });
      await untilStore(c.status, (v) => v.stats.reconnectCount >= 2);
      expect(warnings.length).to.equal(1);
    });

    it('the logger gets the warning instead of the console', async () => {
      [gw, bad] = await Promise.all([startGateway(), startBad('silent-ws')]);
      const problems: unknown[] = [];
      const c = make({
        url: bad.wsUrl,
        auth: `${gw.url}/rt/ticket`,
        transports: ['websocket'],
        helloTimeout: 300,
        logger: (level, event, data) => event === 'problem' && problems.push([level, data]),
      });
      const { error } = await firstError(c);
      await untilStore(c.status, (v) => v.stats.reconnectCount >= 2);
      expect(problems).to.deep.equal([['warn', error]]);
      expect(warnings).to.deep.equal([]);
    });
  });
});
