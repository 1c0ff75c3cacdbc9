#!/usr/bin/env node
/**
 * `rt-sign`: prints a signed connection URL for manual tests with `wscat` or `curl`, signed with the key the
 * gateway uses (`WS_HMAC_KEYS_FILE`, else `WS_HMAC_SECRET`). `rt-sign --help` lists the flags.
 */
import { MAX_SSE_TOPICS, SUBJECT, parseTopicList, ticketQuery } from '../../src/protocol/index.js';
import { KeyRing, readKeyFile } from '../admission/keyring.js';
import { issueTicket } from '../admission/tickets.js';
import { CliError, defineCommand, runCli, UsageError } from './args.js';

const cli = defineCommand({
  name: 'rt-sign',
  summary: 'prints a signed connection URL (or the ticket) for manual tests with wscat or curl.',
  usage: [
    'rt-sign [--scopes a,b] [--ttl <s>] [--sub <id>] [--url <ws-url>] [--kid <id>] [--json]',
    'rt-sign --sse --topics a,b [--scopes a,b]',
  ],
  flags: {
    scopes: { type: 'string', value: '<a,b>', default: '', defaultHelp: 'none', help: 'scopes the ticket grants' },
    url: {
      type: 'string',
      value: '<ws-url>',
      default: 'ws://127.0.0.1:3100/rt',
      help: "the gateway's WebSocket URL (--sse prints http(s)://…/rt/sse)",
    },
    sse: { type: 'boolean', default: false, help: 'print an SSE URL instead, for the --topics given' },
    topics: { type: 'string', value: '<a,b>', defaultHelp: 'none', help: 'the topics of the SSE URL' },
    kid: {
      type: 'string',
      value: '<id>',
      defaultHelp: "the key file's current key, else $WS_HMAC_KID",
      help: 'the key id to sign with',
    },
    json: { type: 'boolean', default: false, help: 'print the ticket as JSON instead of a URL' },
    ttl: {
      type: 'string',
      value: '<s>',
      defaultHelp: "none: the gateway's maximum connection age",
      help: "seconds the connection's authority lasts (the ticket's exp = now + s)",
    },
    sub: { type: 'string', value: '<id>', defaultHelp: 'none', help: 'the subject (user id) the ticket is for' },
  },
  env: {
    WS_HMAC_KEYS_FILE: 'the gateway\'s key file ({"keys":[{"kid","secret"},…]}, current first); wins over the secret',
    WS_HMAC_SECRET: "the gateway's HMAC secret, when there is no key file",
    WS_HMAC_KID: 'the key id to put in the ticket with WS_HMAC_SECRET',
  },
  examples: [
    'wscat -c "$(WS_HMAC_SECRET=dev-secret rt-sign --scopes ops.admin)"',
    'curl -N "$(WS_HMAC_SECRET=dev-secret rt-sign --scopes ops.admin --sse --topics kpis.s2)"',
  ],
  notes: 'A URL works once (the nonce is spent). Exit codes: 0 printed, 1 the key file cannot be used, 2 usage.',
});

/** The secret and key id to sign with, as the gateway reads them (server/main.ts). */
async function signingKey(kid: string | undefined): Promise<{ secret: string; kid: string | undefined }> {
  const file = process.env['WS_HMAC_KEYS_FILE'];
  if (file) {
    let ring: KeyRing;
    try {
      ring = new KeyRing(await readKeyFile(file));
    } catch (error) {
      const reason = error instanceof Error ? error.message.replace(`${file}: `, '') : String(error);
      throw new CliError(`cannot use the key file ${file}: ${reason}`);
    }
    const chosen = kid ?? ring.current.kid;
    const secret = ring.secretFor(chosen);
    if (secret === undefined) throw new CliError(`the key file ${file} holds no key ${JSON.stringify(chosen)}`);
    return { secret, kid: chosen };
  }
  const secret = process.env['WS_HMAC_SECRET'];
  if (!secret) throw new UsageError("set WS_HMAC_SECRET (or WS_HMAC_KEYS_FILE) to the gateway's secret");
  const chosen = kid ?? (process.env['WS_HMAC_KID'] || undefined);
  try {
    new KeyRing([{ kid: chosen, secret }]); // the gateway's rules for a kid
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  return { secret, kid: chosen };
}

/** `ws(s)://host/…/rt` → `http(s)://host/…/rt/sse`. */
function sseUrl(url: URL): URL {
  const sse = new URL(url);
  sse.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  sse.pathname = `${url.pathname.replace(/\/+$/, '')}/sse`;
  return sse;
}

/** `url` with `query` appended to any query it already has. */
function withQuery(url: URL, query: string): string {
  return `${url.href}${url.search ? '&' : '?'}${query}`;
}

await runCli(cli, async ({ values }) => {
  let url: URL;
  try {
    url = new URL(values.url);
  } catch {
    throw new UsageError(`--url is not a URL: ${values.url}`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new UsageError('--url must be a ws:// or wss:// URL');
  if (values.sse && (!values.topics || !parseTopicList(values.topics))) {
    throw new UsageError(`--sse needs --topics: 1 to ${MAX_SSE_TOPICS} distinct topic names, comma-separated`);
  }
  if (values.topics !== undefined && !values.sse) throw new UsageError('--topics goes with --sse');
  const scopes = values.scopes === '' ? [] : values.scopes.split(',');

  const ttlS = values.ttl === undefined ? undefined : Number(values.ttl);
  if (ttlS !== undefined && !(/^[1-9][0-9]*$/.test(values.ttl ?? '') && Number.isSafeInteger(ttlS)))
    throw new UsageError(`--ttl must be a whole number of seconds > 0: ${values.ttl}`);
  if (values.sub !== undefined && !SUBJECT.test(values.sub))
    throw new UsageError('--sub must be 1-128 characters of A-Z a-z 0-9 . _ : @ -');

  const key = await signingKey(values.kid);
  let ticket;
  try {
    ticket = issueTicket(key.secret, scopes, {
      ...(key.kid === undefined ? {} : { kid: key.kid }),
      ...(ttlS === undefined ? {} : { ttlS }),
      ...(values.sub === undefined ? {} : { sub: values.sub }),
    });
  } catch {
    throw new UsageError(`malformed or repeated scope in --scopes ${values.scopes}`);
  }
  if (values.json) process.stdout.write(`${JSON.stringify(ticket)}\n`);
  else if (values.sse) process.stdout.write(`${withQuery(sseUrl(url), ticketQuery(ticket))}&topics=${values.topics}\n`);
  else process.stdout.write(`${withQuery(url, ticketQuery(ticket))}\n`);
});
