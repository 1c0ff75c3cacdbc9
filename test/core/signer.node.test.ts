/**
 * The WebCrypto signer, run in Node: against the RFC 4231 vectors, against `node:crypto`'s createHmac and
 * against the gateway's own verifier.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { verifyHMAC, verifyTicket, MemoryNonceStore } from '../../server/index.js';
import { hmacSha256Hex, signTicket } from '../../src/core/signer.js';
import { connectBody, signingInput, ticketQuery } from '../../src/protocol/ticket.js';
import { RFC4231 } from '../helpers/rfc4231.js';

describe('hmacSha256Hex (WebCrypto in Node)', () => {
  for (const v of RFC4231) {
    it(`matches RFC 4231 ${v.name}`, async () => {
      assert.equal(await hmacSha256Hex(v.key, v.data), v.sha256);
      assert.equal(createHmac('sha256', v.key).update(v.data).digest('hex'), v.sha256, 'the vector itself');
    });
  }

  it('matches createHmac for UTF-8 secrets and inputs', async () => {
    for (const [key, data] of [
      ['dev-secret', '1700000000.0123456789abcdef.connect:ops.admin'],
      ['sécret-😀-ключ', '1700000000.00112233445566778899aabbccddeeff.connect:'],
      ['k', ''],
    ] as const) {
      assert.equal(await hmacSha256Hex(key, data), createHmac('sha256', key).update(data, 'utf8').digest('hex'));
    }
  });
});

describe('signTicket', () => {
  it('signs `${ts}.${nonce}.connect:${scopes}` exactly as the gateway computes it', async () => {
    const ticket = await signTicket('dev-secret', ['ops.admin', 'liveops.admin'], { now: 1_700_000_000_999 });
    assert.equal(ticket.ts, 1_700_000_000);
    assert.match(ticket.nonce, /^[0-9a-f]{32}$/);
    assert.equal(ticket.scopes, 'ops.admin,liveops.admin');
    const input = signingInput(ticket.ts, ticket.nonce, connectBody(ticket.scopes));
    assert.equal(ticket.sig, createHmac('sha256', 'dev-secret').update(input).digest('hex'));
    assert.equal(verifyHMAC(ticket.sig, ticket.ts, ticket.nonce, connectBody(ticket.scopes), 'dev-secret'), true);
  });

  it('uses a fresh nonce every time', async () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 50; i++) nonces.add((await signTicket('s', [])).nonce);
    assert.equal(nonces.size, 50);
  });

  it('signs exp and sub under the signature (v1.1): the known vector', async () => {
    const ticket = await signTicket('k', ['ops.admin'], {
      now: 1_700_000_000_000,
      nonce: 'a1b2c3d4e5f60718',
      exp: 1_700_000_600,
      sub: 'u-42',
    });
    const input = '1700000000.a1b2c3d4e5f60718.connect:ops.admin;exp=1700000600;sub=u-42';
    assert.deepEqual(ticket, {
      ts: 1_700_000_000,
      nonce: 'a1b2c3d4e5f60718',
      scopes: 'ops.admin',
      sig: createHmac('sha256', 'k').update(input).digest('hex'),
      exp: 1_700_000_600,
      sub: 'u-42',
    });
    assert.equal(ticketQuery(ticket).endsWith('&exp=1700000600&sub=u-42'), true);
  });

  it('with only one of exp and sub, signs the other as empty; with neither, the v1 body', async () => {
    const base = { now: 1_700_000_000_000, nonce: 'a1b2c3d4e5f60718' } as const;
    const sig = (input: string) => createHmac('sha256', 'k').update(input).digest('hex');
    const expOnly = await signTicket('k', ['ops.admin'], { ...base, exp: 1_700_000_600 });
    assert.equal(expOnly.sig, sig('1700000000.a1b2c3d4e5f60718.connect:ops.admin;exp=1700000600;sub='));
    assert.equal('sub' in expOnly, false);
    const subOnly = await signTicket('k', ['ops.admin'], { ...base, sub: 'u-42' });
    assert.equal(subOnly.sig, sig('1700000000.a1b2c3d4e5f60718.connect:ops.admin;exp=;sub=u-42'));
    assert.equal('exp' in subOnly, false);
    const v1 = await signTicket('k', ['ops.admin'], base);
    assert.equal(v1.sig, sig('1700000000.a1b2c3d4e5f60718.connect:ops.admin'));
    assert.deepEqual(Object.keys(v1).sort(), ['nonce', 'scopes', 'sig', 'ts']);
  });

  it('carries kid when given', async () => {
    assert.equal((await signTicket('s', ['a'], { kid: 'k1' })).kid, 'k1');
  });

  it("passes the gateway's verifier; a changed scope does not", async () => {
    const now = Date.now();
    const check = { secret: 'dev-secret', nonces: new MemoryNonceStore(), now: () => now };
    const ticket = await signTicket('dev-secret', ['ops.admin'], { now });
    const verdict = await verifyTicket(new URLSearchParams(ticketQuery(ticket)), check);
    assert.equal(verdict.ok, true);
    const forged = await signTicket('dev-secret', ['ops.admin'], { now });
    const query = new URLSearchParams(ticketQuery({ ...forged, scopes: 'ops.admin,economy.admin' }));
    assert.deepEqual(await verifyTicket(query, check), { ok: false, reason: 'bad_sig' });
  });
});
