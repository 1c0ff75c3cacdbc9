/**
 * Hostile tickets (part of the hostile-input suite, see `helpers.ts`): malformed, tampered, replayed, stale and
 * mis-keyed tickets are refused with close 4401 and the documented reason, and the healthy client keeps its service.
 */
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ticketQuery } from '../../../src/protocol/index.js';
import { issueTicket } from '../../../server/admission/tickets.js';
import { FakeClock, SECRET, SseReader, TestClient, get, signedQuery, sseUrl, startGateway, wsUrl } from '../helpers.js';
import { type Arena, HELLO_SSE, SCOPE, TOPIC, arena, inArena, outcome, refusal } from './helpers.js';

/** `hex(HMAC-SHA256(secret, ts.nonce.connect:scopes))`, for tickets with hand-picked fields. */
function hmacHex(ts: number | string, nonce: string, scopes: string, secret = SECRET): string {
  return createHmac('sha256', secret).update(`${ts}.${nonce}.connect:${scopes}`, 'utf8').digest('hex');
}

/** A correctly signed ticket with hand-picked fields, as raw `name=value` pairs (values encoded by `encode`). */
function handTicket(
  fields: { ts?: number; nonce?: string; scopes?: string; kid?: string } = {},
  encode = encodeURIComponent,
): string {
  const ts = fields.ts ?? Math.floor(Date.now() / 1000);
  const nonce = fields.nonce ?? randomBytes(16).toString('hex');
  const scopes = fields.scopes ?? SCOPE;
  const pairs = [`ts=${ts}`, `nonce=${encode(nonce)}`, `scopes=${encode(scopes)}`, `sig=${hmacHex(ts, nonce, scopes)}`];
  if (fields.kid !== undefined) pairs.push(`kid=${encode(fields.kid)}`);
  return pairs.join('&');
}

/** A valid ticket's raw query with one parameter's raw (already encoded) value replaced. */
function withRaw(name: string, rawValue: string, scopes: string[] = [SCOPE]): string {
  return signedQuery(scopes)
    .split('&')
    .map((pair) => (pair.startsWith(`${name}=`) ? `${name}=${rawValue}` : pair))
    .join('&');
}

describe('hostile tickets on /rt (close 4401 with the documented reason)', () => {
  let a: Arena;
  before(async () => {
    a = await arena();
  });
  after(() => a.close());

  const nowS = () => Math.floor(Date.now() / 1000);
  const fullWidth = (s: string) => [...s].map((c) => String.fromCharCode(c.charCodeAt(0) - 0x30 + 0xff10)).join('');
  const arabicIndic = (s: string) => [...s].map((c) => String.fromCharCode(c.charCodeAt(0) - 0x30 + 0x0660)).join('');

  const cases: [string, () => string, string][] = [
    ['a ts with a leading + (encoded as %2B)', () => withRaw('ts', `%2B${nowS()}`), 'bad_ts'],
    ['a ts with a leading + (a space once decoded)', () => withRaw('ts', `+${nowS()}`), 'bad_ts'],
    ['a ts in hexadecimal (0x…)', () => withRaw('ts', `0x${nowS().toString(16)}`), 'bad_ts'],
    ['a ts as a decimal with exponent (1.7e9)', () => withRaw('ts', '1.7e9'), 'bad_ts'],
    ['a ts with a fraction (…​.0)', () => withRaw('ts', `${nowS()}.0`), 'bad_ts'],
    ['a ts in full-width digits', () => withRaw('ts', encodeURIComponent(fullWidth(String(nowS())))), 'bad_ts'],
    ['a ts in Arabic-Indic digits', () => withRaw('ts', encodeURIComponent(arabicIndic(String(nowS())))), 'bad_ts'],
    ['a negative ts of ten characters', () => withRaw('ts', '-170000000'), 'bad_ts'],
    ['a ts with a leading space (%20)', () => withRaw('ts', `%20${nowS()}`), 'bad_ts'],
    ['a ts with a trailing newline (%0A)', () => withRaw('ts', `${nowS()}%0A`), 'bad_ts'],
    ['a ts with a trailing tab (%09)', () => withRaw('ts', `${nowS()}%09`), 'bad_ts'],
    ['a ts with a NUL suffix (%00)', () => withRaw('ts', `${nowS()}%00`), 'bad_ts'],
    ['a ts padded with a leading zero (11 digits)', () => withRaw('ts', `0${nowS()}`), 'bad_ts'],
    ['a ts of 9 digits', () => withRaw('ts', String(nowS()).slice(1)), 'bad_ts'],
    ['an empty ts', () => withRaw('ts', ''), 'bad_ts'],
    ['a ts with an invalid percent escape (%ZZ)', () => withRaw('ts', `${nowS()}%ZZ`), 'bad_ts'],
    ['a nonce of 15 hex characters', () => withRaw('nonce', 'a'.repeat(15)), 'bad_param'],
    ['a nonce of 65 hex characters', () => withRaw('nonce', 'a'.repeat(65)), 'bad_param'],
    ['a nonce in uppercase hex', () => withRaw('nonce', 'ABCDEF0123456789'), 'bad_param'],
    ['a nonce with a junk suffix', () => withRaw('nonce', '0123456789abcdefg'), 'bad_param'],
    ['a nonce with a NUL byte (%00)', () => withRaw('nonce', '0123456789abcdef%00'), 'bad_param'],
    ['a sig with a trailing space (%20)', () => withRaw('sig', `${'0'.repeat(64)}%20`), 'bad_param'],
    [
      'a sig in full-width hex digits',
      () => withRaw('sig', encodeURIComponent(fullWidth('0'.repeat(64)))),
      'bad_param',
    ],
    ['an empty kid', () => `${signedQuery([SCOPE])}&kid=`, 'bad_param'],
    ['a kid of 65 characters', () => `${signedQuery([SCOPE])}&kid=${'k'.repeat(65)}`, 'bad_param'],
    ['a kid with a path separator', () => `${signedQuery([SCOPE])}&kid=..%2Fkeys`, 'bad_param'],
    [
      'a well-formed kid of 64 characters the gateway does not hold',
      () => `${signedQuery([SCOPE])}&kid=${'k'.repeat(64)}`,
      'unknown_kid',
    ],
    ['a repeated kid', () => `${signedQuery([SCOPE])}&kid=a&kid=a`, 'bad_param'],
    ['a second ts after a valid one', () => `${signedQuery([SCOPE])}&ts=${nowS()}`, 'bad_param'],
    ['a bare repeated name without a value (&sig)', () => `${signedQuery([SCOPE])}&sig`, 'bad_param'],
    ['a scope of 65 characters', () => withRaw('scopes', 'a'.repeat(65)), 'bad_param'],
    ['33 scopes', () => withRaw('scopes', Array.from({ length: 33 }, (_, i) => `s${i}`).join(',')), 'bad_param'],
    ['an uppercase scope', () => withRaw('scopes', 'OPS.ADMIN'), 'bad_param'],
    ['a trailing comma in scopes', () => withRaw('scopes', 'ops.admin,'), 'bad_param'],
    ['a scope with a + (a space once decoded)', () => withRaw('scopes', 'ops.admin+'), 'bad_param'],
    [
      'parameter names in another case (TS=, Nonce=)',
      () => signedQuery([SCOPE]).replace('ts=', 'TS=').replace('nonce=', 'Nonce='),
      'missing_param',
    ],
    ['names hidden behind an encoded = (ts%3D…)', () => signedQuery([SCOPE]).replace('ts=', 'ts%3D'), 'missing_param'],
  ];
  for (const [name, query, reason] of cases) {
    it(`refuses ${name} with ${reason}, and keeps serving`, async () => {
      assert.deepEqual(await refusal(a.gw, query()), { code: 4401, reason });
      await a.check();
    });
  }

  it('accepts nonces of exactly 16 and 64 hex characters, scopes of exactly 64 characters and exactly 32 scopes', async () => {
    const scopes32 = Array.from({ length: 32 }, (_, i) => `s${i}`).join(',');
    for (const fields of [
      { nonce: 'a'.repeat(15) + '0' },
      { nonce: 'f'.repeat(64) },
      { scopes: 's'.repeat(64) },
      { scopes: scopes32 },
    ]) {
      assert.equal(await outcome(a.gw, handTicket(fields)), 'hello', JSON.stringify(fields));
    }
    await a.check();
  });

  it('ignores a thousand unknown parameters around a valid ticket (9 KB of them)', async () => {
    const junk = (from: number) => Array.from({ length: 500 }, (_, i) => `x${from + i}=${i}`).join('&');
    assert.equal(await outcome(a.gw, `${junk(0)}&${signedQuery([SCOPE])}&${junk(500)}`), 'hello');
    await a.check();
  });

  describe('unicode look-alike scopes, even correctly signed, are bad_param on both transports', () => {
    const lookAlikes: [string, string][] = [
      ['a Cyrillic а', 'ops.\u0430dmin'],
      ['a Greek ο', '\u03bfps.admin'],
      ['full-width letters', '\uff4f\uff50\uff53.admin'],
      ['a zero-width joiner', 'ops.ad\u200dmin'],
      ['a Kelvin sign K lowercased by nobody', 'ops.\u212aadmin'],
      ['a dotless ı', 'ops.adm\u0131n'],
    ];
    for (const [what, scope] of lookAlikes) {
      it(`refuses a scope with ${what}`, async () => {
        const query = handTicket({ scopes: scope });
        assert.deepEqual(await refusal(a.gw, query), { code: 4401, reason: 'bad_param' });
        const sse = await get(sseUrl(a.gw, `${handTicket({ scopes: scope })}&topics=${TOPIC}`));
        assert.equal(sse.status, 401);
        assert.deepEqual(JSON.parse(sse.body), { error: 'bad_param' });
        await a.check();
      });
    }
  });

  describe('scope tampering', () => {
    it('refuses reordered, narrowed and widened scope lists with bad_sig', async () => {
      const ticket = issueTicket(SECRET, ['ops.admin', 'liveops.admin']);
      for (const scopes of ['liveops.admin,ops.admin', 'ops.admin', 'ops.admin,liveops.admin,economy.admin', '']) {
        assert.deepEqual(
          await refusal(a.gw, ticketQuery({ ...ticket, scopes })),
          { code: 4401, reason: 'bad_sig' },
          scopes,
        );
      }
      await a.check();
    });

    it('refuses a ts moved by one second and a signature moved onto another nonce with bad_sig', async () => {
      const ticket = issueTicket(SECRET, [SCOPE]);
      const other = issueTicket(SECRET, [SCOPE]);
      assert.deepEqual(await refusal(a.gw, ticketQuery({ ...ticket, ts: ticket.ts + 1 })), {
        code: 4401,
        reason: 'bad_sig',
      });
      assert.deepEqual(await refusal(a.gw, ticketQuery({ ...ticket, sig: other.sig })), {
        code: 4401,
        reason: 'bad_sig',
      });
      await a.check();
    });

    it('reads %2C-encoded commas as the very commas that were signed (accepted, same scopes)', async () => {
      const ticket = issueTicket(SECRET, ['ops.admin', 'liveops.admin']);
      const query = ticketQuery(ticket).replace('scopes=ops.admin,liveops.admin', 'scopes=ops.admin%2Cliveops.admin');
      assert.match(query, /%2C/);
      const client = new TestClient(wsUrl(a.gw, query));
      assert.deepEqual((await client.next('hello')).scopes, ['ops.admin', 'liveops.admin']);
      client.ws.terminate();
      await a.check();
    });
  });

  describe('replay', () => {
    it('lets exactly one of 20 simultaneous connections with one ticket in; the other 19 get replay', async () => {
      const query = signedQuery([SCOPE]);
      const results = await Promise.all(Array.from({ length: 20 }, () => outcome(a.gw, query)));
      assert.equal(results.filter((r) => r === 'hello').length, 1);
      assert.deepEqual(
        results.filter((r) => r !== 'hello'),
        Array(19).fill('4401 replay'),
      );
      await a.check();
    });

    it('refuses a ticket spent on WebSocket when replayed on SSE, and one spent on SSE when replayed on WebSocket', async () => {
      const wsFirst = signedQuery([SCOPE]);
      assert.equal(await outcome(a.gw, wsFirst), 'hello');
      const sse = await get(sseUrl(a.gw, `${wsFirst}&topics=${TOPIC}`));
      assert.equal(sse.status, 401);
      assert.deepEqual(JSON.parse(sse.body), { error: 'replay' });

      const sseFirst = signedQuery([SCOPE]);
      const stream = new SseReader(sseUrl(a.gw, `${sseFirst}&topics=${TOPIC}`));
      await stream.waitFor(1);
      assert.equal(HELLO_SSE(stream), 'hello');
      assert.equal(await outcome(a.gw, sseFirst), '4401 replay');
      stream.close();
      await a.check();
    });
  });
});

describe('the ticket window with a fake clock', () => {
  const T = 1_700_000_000_000; // a whole second
  const options = () => ({ clock: new FakeClock(T) });

  it('accepts a ts exactly 300 s in the past or the future', async () => {
    await inArena(
      options(),
      async ({ gw }) => {
        assert.equal(await outcome(gw, signedQuery([SCOPE], { nowMs: T - 300_000 })), 'hello');
        assert.equal(await outcome(gw, signedQuery([SCOPE], { nowMs: T + 300_000 })), 'hello');
      },
      T,
    );
  });

  it('refuses a ts 301 s in the past or the future with stale_ts', async () => {
    await inArena(
      options(),
      async ({ gw }) => {
        assert.equal(await outcome(gw, signedQuery([SCOPE], { nowMs: T - 301_000 })), '4401 stale_ts');
        assert.equal(await outcome(gw, signedQuery([SCOPE], { nowMs: T + 301_000 })), '4401 stale_ts');
      },
      T,
    );
  });

  it('compares whole seconds: 999 ms into the second, 300 s back is still in and 301 s back is out', async () => {
    const clock = new FakeClock(T + 999);
    await inArena(
      { clock },
      async ({ gw }) => {
        assert.equal(await outcome(gw, signedQuery([SCOPE], { nowMs: T - 300_000 })), 'hello');
        assert.equal(await outcome(gw, signedQuery([SCOPE], { nowMs: T - 301_000 })), '4401 stale_ts');
      },
      T,
    );
  });

  it('keeps a replayed ticket out after its nonce is forgotten: by then it is stale_ts', async () => {
    const clock = new FakeClock(T);
    await inArena(
      { clock },
      async ({ gw }) => {
        const query = signedQuery([SCOPE], { nowMs: T });
        assert.equal(await outcome(gw, query), 'hello');
        assert.equal(await outcome(gw, query), '4401 replay');
        clock.advance(300_000);
        assert.equal(await outcome(gw, query), '4401 replay', 'still remembered at the window edge');
        clock.advance(2_000); // past ts + 301 s: the nonce may be forgotten now
        assert.equal(await outcome(gw, query), '4401 stale_ts');
      },
      T,
    );
  });
});

describe('keys and kids', () => {
  it('refuses a ticket whose kid was switched to another held key with bad_sig, and an unknown kid with unknown_kid', async () => {
    const keys = [
      { kid: 'k2', secret: 'current-secret-0123456789' },
      { kid: 'k1', secret: 'previous-secret-0123456789' },
    ];
    const gw = await startGateway({ processMetrics: false, keys, secret: undefined });
    try {
      const healthy = new TestClient(wsUrl(gw, signedQuery([SCOPE], { secret: keys[0]!.secret, kid: 'k2' })));
      await healthy.next('hello');
      const signedByK1 = issueTicket(keys[1]!.secret, [SCOPE], { kid: 'k1' });
      assert.equal(await outcome(gw, ticketQuery({ ...signedByK1, kid: 'k2' })), '4401 bad_sig');
      assert.equal(
        await outcome(gw, ticketQuery({ ...issueTicket(keys[1]!.secret, [SCOPE]), kid: 'K1' })),
        '4401 unknown_kid',
      );
      assert.equal(
        await outcome(gw, ticketQuery(issueTicket(keys[1]!.secret, [SCOPE]))),
        '4401 bad_sig',
        'no kid means the current key',
      );
      await healthy.roundTrip();
      healthy.ws.terminate();
    } finally {
      await gw.close();
    }
  });
});
