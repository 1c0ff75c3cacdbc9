import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { AuthFailure, connectBody, signingInput, ticketQuery, type Ticket } from '../../../src/protocol/index.js';
import {
  createNonce,
  issueTicket,
  rbacHas,
  sign,
  verifyHMAC,
  verifyTicket,
  type TicketCheck,
} from '../../../server/admission/tickets.js';
import { MemoryNonceStore, type NonceStore } from '../../../server/admission/nonce-store.js';

const SECRET = 'dev-secret';
const T0_MS = 1_700_000_000_000;
const T0_S = 1_700_000_000;
const NONCE = '0123456789abcdef';

/** HMAC-SHA256 of `dev-secret` over `1700000000.0123456789abcdef.connect:ops.admin`, computed with openssl. */
const KNOWN_SIG = '9efb71e493be6bb2d3e5beb6687df260a834edc746154d7b927c51b0d27af04d';

function hmacHex(secret: string, input: string): string {
  return createHmac('sha256', secret).update(input, 'utf8').digest('hex');
}

/** A ticket signed independently of the code under test. */
function handSigned(fields: Partial<Ticket> & { signedScopes?: string } = {}, secret = SECRET): Ticket {
  const ts = fields.ts ?? T0_S;
  const nonce = fields.nonce ?? NONCE;
  const scopes = fields.scopes ?? 'ops.admin';
  const sig = fields.sig ?? hmacHex(secret, `${ts}.${nonce}.connect:${fields.signedScopes ?? scopes}`);
  const ticket: Ticket = { ts, nonce, scopes, sig };
  if (fields.kid !== undefined) ticket.kid = fields.kid;
  return ticket;
}

const toQuery = (ticket: Ticket) => new URLSearchParams(ticketQuery(ticket));

/** A nonce store that records every claim and delegates to a memory store. */
class SpyStore implements NonceStore {
  claims: string[] = [];
  constructor(private readonly inner: NonceStore) {}
  claim(nonce: string, expiresAtMs: number): Promise<boolean> {
    this.claims.push(nonce);
    return this.inner.claim(nonce, expiresAtMs);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const stores: NonceStore[] = [];

/** A verifier on a fake clock (ms), starting at T0. */
function harness(options: { kid?: string; secret?: string } = {}) {
  const clock = { now: T0_MS };
  const store = new SpyStore(new MemoryNonceStore({ now: () => clock.now }));
  stores.push(store);
  const check: TicketCheck = {
    secret: options.secret ?? SECRET,
    kid: options.kid,
    nonces: store,
    now: () => clock.now,
  };
  const verify = async (q: URLSearchParams | Ticket) =>
    verifyTicket(q instanceof URLSearchParams ? q : toQuery(q), check);
  const reason = async (q: URLSearchParams | Ticket) => {
    const verdict = await verify(q);
    return verdict.ok ? 'ok' : verdict.reason;
  };
  return { clock, store, check, verify, reason };
}

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

describe('the seed helpers', () => {
  it('verifies what sign produced (the seed example)', () => {
    const sig = sign('connect', 'secret');
    assert.equal(verifyHMAC(sig.sig, sig.ts, sig.nonce, 'connect', 'secret'), true);
  });

  it('grants a scope that is held (rbacHas seed example)', () => {
    assert.equal(rbacHas(['ops.admin'], ['ops.admin']), true);
  });

  it('refuses a scope that is not held (rbacHas seed example)', () => {
    assert.equal(rbacHas(['ops.admin'], ['liveops.admin']), false);
  });
});

describe('rbacHas', () => {
  it('needs every required scope', () => {
    assert.equal(rbacHas(['ops.admin', 'liveops.admin'], ['ops.admin', 'liveops.admin']), true);
    assert.equal(rbacHas(['ops.admin'], ['ops.admin', 'liveops.admin']), false);
  });

  it('is satisfied by nothing required', () => {
    assert.equal(rbacHas([], []), true);
  });

  it('refuses with no scopes granted', () => {
    assert.equal(rbacHas([], ['ops.admin']), false);
  });

  it('does not treat a prefix or a look-alike as the scope', () => {
    assert.equal(rbacHas(['ops'], ['ops.admin']), false);
    assert.equal(rbacHas(['ops.admin.x'], ['ops.admin']), false);
    assert.equal(rbacHas(['ops.аdmin'], ['ops.admin']), false);
  });
});

describe('sign', () => {
  it('uses the given clock in whole seconds, a 32-hex nonce and the HMAC of ts.nonce.body', () => {
    const s = sign('connect:ops.admin', SECRET, T0_MS + 999);
    assert.equal(s.ts, T0_S);
    assert.match(s.nonce, /^[0-9a-f]{32}$/);
    assert.equal(s.sig, hmacHex(SECRET, `${T0_S}.${s.nonce}.connect:ops.admin`));
  });

  it('uses a fresh nonce every time', () => {
    assert.notEqual(sign('b', SECRET, T0_MS).nonce, sign('b', SECRET, T0_MS).nonce);
  });
});

describe('createNonce', () => {
  it('returns 32 lowercase hex characters, different each time', () => {
    const a = createNonce();
    assert.match(a, /^[0-9a-f]{32}$/);
    assert.notEqual(a, createNonce());
  });
});

describe('verifyHMAC', () => {
  const body = connectBody('ops.admin');

  it('accepts the known-answer vector of PROTOCOL.md §2.3', () => {
    assert.equal(hmacHex(SECRET, signingInput(T0_S, NONCE, body)), KNOWN_SIG);
    assert.equal(verifyHMAC(KNOWN_SIG, T0_S, NONCE, body, SECRET), true);
  });

  it('accepts the ts as a string as well as a number', () => {
    assert.equal(verifyHMAC(KNOWN_SIG, '1700000000', NONCE, body, SECRET), true);
  });

  it('treats the secret as UTF-8', () => {
    const secret = 'clé-🔑';
    const sig = createHmac('sha256', Buffer.from(secret, 'utf8'))
      .update(signingInput(T0_S, NONCE, body))
      .digest('hex');
    assert.equal(verifyHMAC(sig, T0_S, NONCE, body, secret), true);
  });

  it('refuses a different secret', () => {
    assert.equal(verifyHMAC(KNOWN_SIG, T0_S, NONCE, body, 'other-secret'), false);
  });

  it('refuses a different body, ts or nonce', () => {
    assert.equal(verifyHMAC(KNOWN_SIG, T0_S, NONCE, connectBody('ops.admin,economy.admin'), SECRET), false);
    assert.equal(verifyHMAC(KNOWN_SIG, T0_S + 1, NONCE, body, SECRET), false);
    assert.equal(verifyHMAC(KNOWN_SIG, T0_S, '0123456789abcdee', body, SECRET), false);
  });

  it('refuses a signature with one bit flipped', () => {
    const last = KNOWN_SIG.at(-1) === '0' ? '1' : '0';
    assert.equal(verifyHMAC(KNOWN_SIG.slice(0, 63) + last, T0_S, NONCE, body, SECRET), false);
  });

  const malformed: [string, unknown][] = [
    ['the uppercase form of the right signature', KNOWN_SIG.toUpperCase()],
    ['63 hex characters', KNOWN_SIG.slice(0, 63)],
    ['65 hex characters', `${KNOWN_SIG}0`],
    ['62 hex characters (31 bytes)', KNOWN_SIG.slice(0, 62)],
    ['128 hex characters (64 bytes)', KNOWN_SIG + KNOWN_SIG],
    ['an empty string', ''],
    ['non-hex characters', 'z'.repeat(64)],
    ['a leading space', ` ${KNOWN_SIG.slice(1)}`],
    ['a trailing newline', `${KNOWN_SIG}\n`],
    ['a non-string', 12345],
    ['undefined', undefined],
  ];
  for (const [what, sig] of malformed) {
    it(`returns false without throwing for ${what}`, () => {
      let result: boolean | undefined;
      assert.doesNotThrow(() => {
        result = verifyHMAC(sig as string, T0_S, NONCE, body, SECRET);
      });
      assert.equal(result, false);
    });
  }
});

describe('issueTicket', () => {
  it('signs the comma-joined scopes at the given time', () => {
    const t = issueTicket(SECRET, ['ops.admin', 'liveops.admin'], { nowMs: T0_MS });
    assert.equal(t.ts, T0_S);
    assert.equal(t.scopes, 'ops.admin,liveops.admin');
    assert.match(t.nonce, /^[0-9a-f]{32}$/);
    assert.equal(t.sig, hmacHex(SECRET, `${T0_S}.${t.nonce}.connect:ops.admin,liveops.admin`));
    assert.equal('kid' in t, false);
  });

  it('adds the kid when asked', () => {
    assert.equal(issueTicket(SECRET, ['ops.admin'], { kid: 'k1', nowMs: T0_MS }).kid, 'k1');
  });

  it('issues a ticket with no scopes', () => {
    const t = issueTicket(SECRET, [], { nowMs: T0_MS });
    assert.equal(t.scopes, '');
    assert.equal(verifyHMAC(t.sig, t.ts, t.nonce, 'connect:', SECRET), true);
  });

  it('uses the real clock by default', () => {
    const before = Math.floor(Date.now() / 1000);
    const t = issueTicket(SECRET, ['ops.admin']);
    const after = Math.floor(Date.now() / 1000);
    assert.ok(t.ts >= before && t.ts <= after);
  });

  const bad: [string, string[]][] = [
    ['an uppercase scope', ['OPS.ADMIN']],
    ['a duplicate scope', ['ops.admin', 'ops.admin']],
    ['a Cyrillic look-alike', ['ops.аdmin']],
    ['an empty scope beside a real one', ['ops.admin', '']],
    ['a scope with a space', ['ops admin']],
    ['33 scopes', Array.from({ length: 33 }, (_, i) => `s${i}`)],
  ];
  for (const [what, scopes] of bad) {
    it(`throws a TypeError for ${what}`, () => {
      assert.throws(() => issueTicket(SECRET, scopes), TypeError);
    });
  }

  it('throws a TypeError for one scope that contains a comma instead of granting two scopes', () => {
    assert.throws(() => issueTicket(SECRET, ['ops.admin,economy.admin']), TypeError);
  });

  it('throws a TypeError for a lone empty scope name', () => {
    assert.throws(() => issueTicket(SECRET, ['']), TypeError);
  });
});

describe('verifyTicket', () => {
  describe('the accept path', () => {
    it('accepts a fresh, correctly signed ticket and returns its scopes', async () => {
      const { verify } = harness();
      const verdict = await verify(handSigned({ scopes: 'ops.admin,liveops.admin' }));
      assert.ok(verdict.ok);
      assert.deepEqual(verdict.ticket.scopeList, ['ops.admin', 'liveops.admin']);
      assert.equal(verdict.ticket.nonce, NONCE);
    });

    it('accepts what issueTicket issues, passed through ticketQuery', async () => {
      const { reason } = harness();
      assert.equal(await reason(issueTicket(SECRET, ['ops.admin'], { nowMs: T0_MS })), 'ok');
    });

    it('claims the nonce once, on success', async () => {
      const { verify, store } = harness();
      await verify(handSigned());
      assert.deepEqual(store.claims, [NONCE]);
    });
  });

  describe('parse failures', () => {
    it('passes on the parser reason and claims nothing', async () => {
      const { reason, store } = harness();
      const q = toQuery(handSigned());
      q.delete('sig');
      assert.equal(await reason(q), AuthFailure.missingParam);
      const bad = toQuery(handSigned());
      bad.set('ts', '1700000000000');
      assert.equal(await reason(bad), AuthFailure.badTs);
      const upper = toQuery(handSigned());
      upper.set('sig', (upper.get('sig') ?? '').toUpperCase());
      assert.equal(await reason(upper), AuthFailure.badParam);
      assert.deepEqual(store.claims, []);
    });
  });

  describe('the time window', () => {
    it('accepts a ticket exactly 300 s old', async () => {
      const { reason, clock } = harness();
      clock.now = T0_MS + 300_000;
      assert.equal(await reason(handSigned()), 'ok');
    });

    it('accepts a ticket exactly 300 s in the future', async () => {
      const { reason, clock } = harness();
      clock.now = T0_MS - 300_000;
      assert.equal(await reason(handSigned()), 'ok');
    });

    it('refuses a ticket 301 s old as stale_ts', async () => {
      const { reason, clock } = harness();
      clock.now = T0_MS + 301_000;
      assert.equal(await reason(handSigned()), AuthFailure.staleTs);
    });

    it('refuses a ticket 301 s in the future as stale_ts', async () => {
      const { reason, clock } = harness();
      clock.now = T0_MS - 301_000;
      assert.equal(await reason(handSigned()), AuthFailure.staleTs);
    });

    it('does not consume the nonce of a stale ticket', async () => {
      const { reason, clock, store } = harness();
      clock.now = T0_MS + 301_000;
      assert.equal(await reason(handSigned()), AuthFailure.staleTs);
      assert.deepEqual(store.claims, []);
      clock.now = T0_MS;
      assert.equal(await reason(handSigned()), 'ok');
    });

    it('checks the window before the signature', async () => {
      const { reason, clock } = harness();
      clock.now = T0_MS + 301_000;
      assert.equal(await reason(handSigned({ sig: '0'.repeat(64) })), AuthFailure.staleTs);
    });
  });

  describe('the signature', () => {
    it('refuses tampered scopes as bad_sig (signed for ops.admin, presented with economy.admin added)', async () => {
      const { reason } = harness();
      const tampered = handSigned({ scopes: 'ops.admin,economy.admin', signedScopes: 'ops.admin' });
      assert.equal(await reason(tampered), AuthFailure.badSig);
    });

    it('refuses reordered scopes as bad_sig', async () => {
      const { reason } = harness();
      assert.equal(await reason(handSigned({ scopes: 'b.x,a.y', signedScopes: 'a.y,b.x' })), AuthFailure.badSig);
    });

    it('refuses emptied scopes as bad_sig', async () => {
      const { reason } = harness();
      assert.equal(await reason(handSigned({ scopes: '', signedScopes: 'ops.admin' })), AuthFailure.badSig);
    });

    it('refuses a tampered ts as bad_sig', async () => {
      const { reason } = harness();
      const t = handSigned();
      assert.equal(await reason({ ...t, ts: t.ts + 1 }), AuthFailure.badSig);
    });

    it('refuses a tampered nonce as bad_sig', async () => {
      const { reason } = harness();
      assert.equal(await reason({ ...handSigned(), nonce: 'fedcba9876543210' }), AuthFailure.badSig);
    });

    it('refuses a ticket signed with another secret as bad_sig', async () => {
      const { reason } = harness();
      assert.equal(await reason(handSigned({}, 'another-secret')), AuthFailure.badSig);
    });

    it('does not consume the nonce of a badly signed ticket, so the genuine one still passes', async () => {
      const { reason, store } = harness();
      assert.equal(await reason(handSigned({ sig: 'f'.repeat(64) })), AuthFailure.badSig);
      assert.deepEqual(store.claims, []);
      assert.equal(await reason(handSigned()), 'ok');
    });
  });

  describe('kid', () => {
    it('refuses a kid when the gateway has none as unknown_kid', async () => {
      const { reason } = harness();
      assert.equal(await reason(handSigned({ kid: 'k2' })), AuthFailure.unknownKid);
    });

    it('refuses a kid other than the gateway key id as unknown_kid', async () => {
      const { reason, store } = harness({ kid: 'k1' });
      assert.equal(await reason(handSigned({ kid: 'k2' })), AuthFailure.unknownKid);
      assert.deepEqual(store.claims, []);
    });

    it('checks kid before the signature', async () => {
      const { reason } = harness({ kid: 'k1' });
      assert.equal(await reason(handSigned({ kid: 'k2', sig: '0'.repeat(64) })), AuthFailure.unknownKid);
    });

    it('accepts the matching kid', async () => {
      const { verify } = harness({ kid: 'k1' });
      const verdict = await verify(handSigned({ kid: 'k1' }));
      assert.ok(verdict.ok);
      assert.equal(verdict.ticket.kid, 'k1');
    });

    it('accepts a ticket without kid when the gateway has one', async () => {
      const { reason } = harness({ kid: 'k1' });
      assert.equal(await reason(handSigned()), 'ok');
    });
  });

  describe('replay', () => {
    it('refuses the second and third use of a ticket as replay', async () => {
      const { reason } = harness();
      const t = handSigned();
      assert.equal(await reason(t), 'ok');
      assert.equal(await reason(t), AuthFailure.replay);
      assert.equal(await reason(t), AuthFailure.replay);
    });

    it('refuses a replay at the last millisecond the ticket is still fresh', async () => {
      const { reason, clock } = harness();
      const t = handSigned();
      assert.equal(await reason(t), 'ok');
      clock.now = T0_MS + 300_999;
      assert.equal(await reason(t), AuthFailure.replay);
      clock.now = T0_MS + 301_000;
      assert.equal(await reason(t), AuthFailure.staleTs);
    });

    it('refuses a second ticket reusing a nonce with another ts, even correctly signed', async () => {
      const { reason } = harness();
      assert.equal(await reason(handSigned({ ts: T0_S })), 'ok');
      assert.equal(await reason(handSigned({ ts: T0_S + 10 })), AuthFailure.replay);
    });

    it('lets each of two concurrent uses of one ticket through only once', async () => {
      const { reason } = harness();
      const t = handSigned();
      const results = await Promise.all([reason(t), reason(t)]);
      assert.deepEqual(results.sort(), ['ok', AuthFailure.replay].sort());
    });
  });

  describe('a failing nonce store', () => {
    it('rejects when the store throws, so the caller can answer 1013 / 503', async () => {
      const failing: NonceStore = {
        claim: () => {
          throw new Error('store down');
        },
        close: () => Promise.resolve(),
      };
      const check: TicketCheck = { secret: SECRET, nonces: failing, now: () => T0_MS };
      await assert.rejects(verifyTicket(toQuery(handSigned()), check), /store down/);
    });

    it('rejects when the store returns a rejected promise', async () => {
      const failing: NonceStore = {
        claim: () => Promise.reject(new Error('timeout')),
        close: () => Promise.resolve(),
      };
      const check: TicketCheck = { secret: SECRET, nonces: failing, now: () => T0_MS };
      await assert.rejects(verifyTicket(toQuery(handSigned()), check), /timeout/);
    });

    it('does not touch the store for a refused ticket', async () => {
      let calls = 0;
      const failing: NonceStore = {
        claim: () => {
          calls += 1;
          throw new Error('store down');
        },
        close: () => Promise.resolve(),
      };
      const check: TicketCheck = { secret: SECRET, nonces: failing, now: () => T0_MS };
      const verdict = await verifyTicket(toQuery(handSigned({ sig: '0'.repeat(64) })), check);
      assert.deepEqual(verdict, { ok: false, reason: AuthFailure.badSig });
      assert.equal(calls, 0);
    });
  });
});
