/**
 * A web-test-runner plugin that gives browser tests real gateways (server/, loaded from TypeScript with tsx)
 * and a TCP proxy in front of each, driven through server commands:
 *
 * | command | payload | does |
 * |---|---|---|
 * | `gw:start` | `{ historySize?, heartbeatMs?, allowedOrigins? }` | starts a gateway and its proxy; returns `{ id, url, wsUrl, proxyWsUrl }` |
 * | `gw:stop` | `{ id }` | stops both |
 * | `gw:fanout` | `{ id, topic, data }` | publishes; returns `{ sent, dropped }` |
 * | `gw:register` | `{ id, topic, scopes }` | registers a topic |
 * | `gw:restart` | `{ id }` | closes the gateway (1012) and starts a fresh one on the same port: history and epochs gone |
 * | `gw:cut` | `{ id }` | destroys every connection through the proxy (the client sees 1006); new ones still pass |
 * | `gw:proxy-mode` | `{ id, mode }` | `pass`, or `kill-ws`: WebSocket upgrades pass but die as soon as the gateway answers |
 * | `gw:stats` | `{ id }` | `/rt/stats` |
 * | `gw:hmac` | `{ key, data }` | Node's `createHmac('sha256')` hex, to cross-check the WebCrypto signer |
 * | `bad:start` | `{ kind, cors? }` | starts a server that is no ticket endpoint nor gateway (below); returns `{ id, url, wsUrl }` |
 * | `bad:stop` | `{ id }` | stops it |
 *
 * Every gateway uses the secret `test-secret` and demo mode (ticket endpoint, CORS for any origin).
 *
 * The misbehaving servers (`bad:start`), each on an ephemeral port, answer every path (`cors: false` leaves out
 * `Access-Control-Allow-Origin: *`, so a page on another origin cannot read them):
 * - `html`: 200 `text/html`, a dev server's SPA fallback (`index.html` for any unknown path), WebSocket
 *   upgrades included (a 200 instead of a 101: the browser sees 1006);
 * - `redirect`: 302 to `/login`, which answers the same page as `html`;
 * - `json`: 200 `{"token":"abc123"}`, JSON but no ticket;
 * - `status`: 500 `text/plain` `upstream exploded`;
 * - `silent-ws`: a WebSocket server that accepts every connection and never says anything (another app's socket).
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { tsImport } from 'tsx/esm/api';
import { WebSocketServer } from 'ws';

const SECRET = 'test-secret';

/** A TCP proxy the test can cut. */
async function startProxy(targetPort) {
  const sockets = new Set();
  const state = { mode: 'pass' };
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    let isWs = false;
    client.once('data', (chunk) => {
      isWs = /^upgrade:\s*websocket/im.test(chunk.toString('latin1'));
    });
    upstream.on('data', () => {
      if (isWs && state.mode === 'kill-ws') setTimeout(() => (client.destroy(), upstream.destroy()), 20);
    });
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    state,
    cut: () => sockets.forEach((s) => s.destroy()),
    close: () => {
      sockets.forEach((s) => s.destroy());
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const PAGE =
  '<!doctype html>\n<html lang="en">\n  <head><title>Vite App</title></head>\n  <body><div id="app"></div></body>\n</html>\n';

/** Starts a misbehaving server of `kind` on an ephemeral port (see the table above). */
async function startBadServer(kind, cors = true) {
  const server = http.createServer((req, res) => {
    if (cors) res.setHeader('Access-Control-Allow-Origin', '*');
    if (kind === 'redirect' && !req.url.startsWith('/login')) {
      res.writeHead(302, { Location: '/login?next=' + encodeURIComponent(req.url) });
      return res.end();
    }
    if (kind === 'json') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end('{"token":"abc123"}');
    }
    if (kind === 'status') {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      return res.end('upstream exploded');
    }
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(PAGE);
  });
  const sockets = new Set();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const wss = kind === 'silent-ws' ? new WebSocketServer({ server }) : undefined;
  // Without an 'upgrade' listener, an upgrade is a plain request: 200 HTML, not 101, so the browser sees 1006.
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/rt`,
    close: () =>
      new Promise((resolve) => {
        wss?.clients.forEach((ws) => ws.terminate());
        wss?.close();
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}

/** @returns {import('@web/test-runner').TestRunnerPlugin} */
export function gatewayPlugin() {
  let createGateway;
  let nextId = 1;
  const running = new Map();
  const bad = new Map(); // misbehaving servers by id

  const start = (opts, port = 0) =>
    createGateway({ secret: SECRET, port, host: '127.0.0.1', demo: true, logLevel: 'silent', ...opts });

  return {
    name: 'lydian-gateway',
    async serverStart() {
      ({ createGateway } = await tsImport('../../server/index.ts', import.meta.url));
    },
    async serverStop() {
      await Promise.all([...running.values()].map(async (r) => (await r.gw.close(), await r.proxy.close())));
      running.clear();
      await Promise.all([...bad.values()].map((b) => b.close()));
      bad.clear();
    },
    async executeCommand({ command, payload }) {
      if (command === 'bad:start') {
        const server = await startBadServer(payload.kind, payload.cors ?? true);
        const id = nextId++;
        bad.set(id, server);
        return { id, url: server.url, wsUrl: server.wsUrl };
      }
      if (command === 'bad:stop') {
        await bad.get(payload.id)?.close();
        bad.delete(payload.id);
        return true;
      }
      if (!command.startsWith('gw:')) return undefined;
      const r = running.get(payload?.id);
      switch (command) {
        case 'gw:start': {
          const opts = { historySize: payload?.historySize, heartbeatMs: payload?.heartbeatMs };
          // An Origin allowlist: the page's own origin left out of it makes every connection forbidden.
          if (payload?.allowedOrigins) opts.allowedOrigins = payload.allowedOrigins;
          const gw = await start(opts);
          const proxy = await startProxy(gw.port);
          const id = nextId++;
          running.set(id, { gw, proxy, opts });
          return {
            id,
            url: gw.url,
            wsUrl: `ws://127.0.0.1:${gw.port}/rt`,
            proxyWsUrl: `ws://127.0.0.1:${proxy.port}/rt`,
          };
        }
        case 'gw:stop':
          running.delete(payload.id);
          await r?.gw.close();
          await r?.proxy.close();
          return true;
        case 'gw:fanout':
          return r.gw.fanout(payload.topic, payload.data);
        case 'gw:register':
          r.gw.registerTopic(payload.topic, { scopes: payload.scopes ?? [] });
          return true;
        case 'gw:restart': {
          const port = r.gw.port;
          await r.gw.close();
          r.gw = await start(r.opts, port);
          return true;
        }
        case 'gw:cut':
          r.proxy.cut();
          return true;
        case 'gw:proxy-mode':
          r.proxy.state.mode = payload.mode;
          return true;
        case 'gw:stats':
          return r.gw.stats();
        case 'gw:hmac':
          return createHmac('sha256', payload.key).update(payload.data).digest('hex');
        default:
          return undefined;
      }
    },
  };
}
