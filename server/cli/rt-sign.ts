#!/usr/bin/env node
/**
 * `rt-sign`: prints a signed connection URL for manual tests with `wscat` or `curl`.
 *
 * ```
 * WS_HMAC_SECRET=dev-secret rt-sign --scopes ops.admin
 * WS_HMAC_SECRET=dev-secret rt-sign --scopes ops.admin --sse --topics kpis.s2
 * ```
 * Options: `--scopes a,b` (default none), `--url ws://127.0.0.1:3100/rt` (the WebSocket URL; `--sse` derives
 * `http://…/rt/sse`), `--topics a,b` (SSE), `--kid id` (or `WS_HMAC_KID`), `--json` (the ticket as JSON).
 */
import { parseArgs } from 'node:util';
import { parseTopicList, ticketQuery } from '../../src/protocol/index.js';
import { issueTicket } from '../admission/tickets.js';

function fail(message: string): never {
  process.stderr.write(`rt-sign: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    scopes: { type: 'string', default: '' },
    url: { type: 'string', default: 'ws://127.0.0.1:3100/rt' },
    sse: { type: 'boolean', default: false },
    topics: { type: 'string' },
    kid: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

const secret = process.env['WS_HMAC_SECRET'];
if (!secret) fail('set WS_HMAC_SECRET to the gateway secret');
const scopes = values.scopes === '' ? [] : values.scopes.split(',');
const kid = values.kid ?? process.env['WS_HMAC_KID'];
let ticket;
try {
  ticket = issueTicket(secret, scopes, kid ? { kid } : {});
} catch {
  fail(`malformed scopes: ${values.scopes}`);
}
if (values.json) {
  process.stdout.write(`${JSON.stringify(ticket)}\n`);
} else if (values.sse) {
  const topics = values.topics;
  if (!topics || !parseTopicList(topics)) fail('--sse needs --topics a,b');
  const base = values.url.replace(/^ws/, 'http').replace(/\/rt\/?$/, '/rt/sse');
  process.stdout.write(`${base}?${ticketQuery(ticket)}&topics=${topics}\n`);
} else {
  process.stdout.write(`${values.url}?${ticketQuery(ticket)}\n`);
}
