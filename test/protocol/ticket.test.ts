import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AuthFailure,
  TICKET_WINDOW_S,
  connectBody,
  encodeQueryValue,
  isFresh,
  parseTicket,
  signingInput,
  ticketQuery,
  type Ticket,
  type TicketParseResult,
} from '../../src/protocol/index.js';

const TS = '1700000000';
const NONCE = '0123456789abcdef';
const SIG = '0123456789abcdef'.repeat(4);

type Raw = Partial<Record<'ts' | 'nonce' | 'scopes' | 'sig' | 'kid', string | null>>;

/**
 * Builds a ticket query from raw (already percent-encoded) values: a valid ticket by default, each value
 * overridable, `null` to leave a parameter out, `extra` appended verbatim.
 */
function query(raw: Raw = {}, extra = ''): URLSearchParams {
  const values: Raw = { ts: TS, nonce: NONCE, scopes: 'ops.admin', sig: SIG, ...raw };
  const pairs = Object.entries(values)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([k, v]) => `${k}=${v}`);
  if (extra) pairs.push(extra);
  return new URLSearchParams(pairs.join('&'));
}

function reason(result: TicketParseResult): string {
  return result.ok ? 'ok' : result.reason;
}

function parsed(result: TicketParseResult) {
  if (!result.ok) assert.fail(`expected the ticket to parse, got ${result.reason}`);
  return result.ticket;
}

describe('parseTicket', () => {
  describe('a well-formed ticket', () => {
    it('parses every field, with ts as a number and the scopes split', () => {
      const ticket = parsed(parseTicket(query({ scopes: 'ops.admin,liveops.admin' })));
      assert.equal(ticket.ts, 1700000000);
      assert.equal(ticket.nonce, NONCE);
      assert.equal(ticket.scopes, 'ops.admin,liveops.admin');
      assert.equal(ticket.sig, SIG);
      assert.deepEqual(ticket.scopeList, ['ops.admin', 'liveops.admin']);
    });

    it('has no kid property when the query has no kid', () => {
      const ticket = parsed(parseTicket(query()));
      assert.equal('kid' in ticket, false);
    });

    it('keeps a well-formed kid', () => {
      assert.equal(parsed(parseTicket(query({ kid: 'key-2024.A_b' }))).kid, 'key-2024.A_b');
      assert.equal(parsed(parseTicket(query({ kid: 'k'.repeat(64) }))).kid, 'k'.repeat(64));
    });

    it('ignores unknown parameters', () => {
      const ticket = parsed(parseTicket(query({}, 'topics=kpis.s2&since=kpis.s2:4&foo=bar&foo=baz')));
      assert.deepEqual(ticket.scopeList, ['ops.admin']);
    });

    it('accepts nonces of exactly 16 and exactly 64 hex characters', () => {
      assert.equal(reason(parseTicket(query({ nonce: 'a'.repeat(16) }))), 'ok');
      assert.equal(reason(parseTicket(query({ nonce: 'f'.repeat(64) }))), 'ok');
    });
  });

  describe('ts', () => {
    const cases: [string, string][] = [
      ['a junk suffix', '1700000000abc'],
      ['a leading space (%20)', '%201700000000'],
      ['a leading space written as +', '+1700000000'],
      ['a trailing space', '1700000000%20'],
      ['a trailing newline', '1700000000%0A'],
      ['exponent notation', '1e9'],
      ['a millisecond value (13 digits)', '1700000000000'],
      ['9 digits', '170000000'],
      ['11 digits', '17000000000'],
      ['a sign', '-170000000'],
      ['a decimal point', '170000000.0'],
      ['hex notation', '0x6553f100'],
      ['full-width digits', encodeURIComponent('１７００００００００')],
      ['an empty value', ''],
    ];
    for (const [what, raw] of cases) {
      it(`refuses a ts with ${what} as bad_ts`, () => {
        assert.equal(reason(parseTicket(query({ ts: raw }))), AuthFailure.badTs);
      });
    }
  });

  describe('nonce', () => {
    const cases: [string, string][] = [
      ['uppercase hex', '0123456789ABCDEF'],
      ['mixed-case hex', '0123456789abcdeF'],
      ['15 characters', 'a'.repeat(15)],
      ['65 characters', 'a'.repeat(65)],
      ['a non-hex character', '0123456789abcdeg'],
      ['a leading space', `%20${NONCE}`],
      ['a trailing space', `${NONCE}+`],
      ['an empty value', ''],
    ];
    for (const [what, raw] of cases) {
      it(`refuses a nonce with ${what} as bad_param`, () => {
        assert.equal(reason(parseTicket(query({ nonce: raw }))), AuthFailure.badParam);
      });
    }
  });

  describe('sig', () => {
    const cases: [string, string][] = [
      ['uppercase hex', SIG.toUpperCase()],
      ['one uppercase character', `${SIG.slice(0, 63)}F`],
      ['63 characters', SIG.slice(0, 63)],
      ['65 characters', `${SIG}0`],
      ['a leading zero pad (65 characters)', `0${SIG}`],
      ['a leading space', `+${SIG.slice(1)}`],
      ['a non-hex character', `${SIG.slice(0, 63)}g`],
      ['an empty value', ''],
    ];
    for (const [what, raw] of cases) {
      it(`refuses a sig with ${what} as bad_param`, () => {
        assert.equal(reason(parseTicket(query({ sig: raw }))), AuthFailure.badParam);
      });
    }
  });

  describe('kid', () => {
    const cases: [string, string][] = [
      ['an empty value', ''],
      ['65 characters', 'k'.repeat(65)],
      ['a slash', 'k%2F1'],
      ['a space', 'k+1'],
      ['a colon', 'k:1'],
      ['a non-ASCII letter', encodeURIComponent('kéy')],
    ];
    for (const [what, raw] of cases) {
      it(`refuses a kid with ${what} as bad_param`, () => {
        assert.equal(reason(parseTicket(query({ kid: raw }))), AuthFailure.badParam);
      });
    }
  });

  describe('repeated parameters', () => {
    for (const name of ['ts', 'nonce', 'scopes', 'sig'] as const) {
      it(`refuses a repeated ${name} as bad_param, even with the same value twice`, () => {
        const value = { ts: TS, nonce: NONCE, scopes: 'ops.admin', sig: SIG }[name];
        assert.equal(reason(parseTicket(query({}, `${name}=${value}`))), AuthFailure.badParam);
      });
    }

    it('refuses a repeated kid as bad_param', () => {
      assert.equal(reason(parseTicket(query({ kid: 'k1' }, 'kid=k1'))), AuthFailure.badParam);
    });

    it('refuses a second scopes that would widen the first as bad_param', () => {
      assert.equal(reason(parseTicket(query({}, 'scopes=economy.admin'))), AuthFailure.badParam);
    });
  });

  describe('missing parameters', () => {
    for (const name of ['ts', 'nonce', 'scopes', 'sig'] as const) {
      it(`refuses a ticket without ${name} as missing_param`, () => {
        assert.equal(reason(parseTicket(query({ [name]: null }))), AuthFailure.missingParam);
      });
    }

    it('refuses an empty query as missing_param', () => {
      assert.equal(reason(parseTicket(new URLSearchParams(''))), AuthFailure.missingParam);
    });

    it('treats parameter names case-sensitively (TS= is not ts=)', () => {
      const q = new URLSearchParams(`TS=${TS}&nonce=${NONCE}&scopes=ops.admin&sig=${SIG}`);
      assert.equal(reason(parseTicket(q)), AuthFailure.missingParam);
    });

    it('does not need kid', () => {
      assert.equal(reason(parseTicket(query({ kid: null }))), 'ok');
    });
  });

  describe('scopes', () => {
    it('accepts an empty scope list as no scopes', () => {
      const ticket = parsed(parseTicket(query({ scopes: '' })));
      assert.deepEqual(ticket.scopeList, []);
      assert.equal(ticket.scopes, '');
    });

    it('decodes %2C-encoded commas to the same scopes as literal commas', () => {
      const encoded = parsed(parseTicket(query({ scopes: 'ops.admin%2Cliveops.admin' })));
      const literal = parsed(parseTicket(query({ scopes: 'ops.admin,liveops.admin' })));
      assert.deepEqual(encoded.scopeList, ['ops.admin', 'liveops.admin']);
      assert.deepEqual(encoded.scopeList, literal.scopeList);
      assert.equal(encoded.scopes, literal.scopes);
    });

    it('accepts a scope containing a colon', () => {
      assert.deepEqual(parsed(parseTicket(query({ scopes: 'tenant:7.ops' }))).scopeList, ['tenant:7.ops']);
    });

    it('accepts exactly 32 scopes', () => {
      const list = Array.from({ length: 32 }, (_, i) => `s${i}`);
      assert.deepEqual(parsed(parseTicket(query({ scopes: list.join(',') }))).scopeList, list);
    });

    const cases: [string, string][] = [
      ['an empty entry in the middle', 'ops.admin,,liveops.admin'],
      ['a leading empty entry', ',ops.admin'],
      ['a trailing empty entry', 'ops.admin,'],
      ['a lone comma', ','],
      ['a duplicate', 'ops.admin,liveops.admin,ops.admin'],
      ['an uppercase scope', 'OPS.ADMIN'],
      ['a Cyrillic look-alike (ops.аdmin)', encodeURIComponent('ops.аdmin')],
      ['a space inside an entry', 'ops.admin,+liveops.admin'],
      ['a 65-character scope', 's'.repeat(65)],
      ['33 entries', Array.from({ length: 33 }, (_, i) => `s${i}`).join(',')],
    ];
    for (const [what, raw] of cases) {
      it(`refuses a scope list with ${what} as bad_param`, () => {
        assert.equal(reason(parseTicket(query({ scopes: raw }))), AuthFailure.badParam);
      });
    }

    it('refuses the Cyrillic look-alike also when given unencoded to URLSearchParams', () => {
      const q = new URLSearchParams({ ts: TS, nonce: NONCE, scopes: 'ops.аdmin', sig: SIG });
      assert.equal(reason(parseTicket(q)), AuthFailure.badParam);
    });
  });
});

describe('connectBody and signingInput', () => {
  it('prefixes the scope list with connect:', () => {
    assert.equal(connectBody('ops.admin,liveops.admin'), 'connect:ops.admin,liveops.admin');
    assert.equal(connectBody(''), 'connect:');
  });

  it('joins ts, nonce and body with dots, the ts written as given', () => {
    assert.equal(
      signingInput(1700000000, NONCE, connectBody('ops.admin')),
      '1700000000.0123456789abcdef.connect:ops.admin',
    );
    assert.equal(signingInput('1700000000', NONCE, 'b'), signingInput(1700000000, NONCE, 'b'));
  });
});

describe('ticketQuery', () => {
  const ticket: Ticket = { ts: 1700000000, nonce: NONCE, scopes: 'ops.admin,tenant:7.ops', sig: SIG };

  it('round-trips through parseTicket', () => {
    const back = parsed(parseTicket(new URLSearchParams(ticketQuery(ticket))));
    assert.equal(back.ts, ticket.ts);
    assert.equal(back.nonce, ticket.nonce);
    assert.equal(back.scopes, ticket.scopes);
    assert.equal(back.sig, ticket.sig);
    assert.deepEqual(back.scopeList, ['ops.admin', 'tenant:7.ops']);
    assert.equal('kid' in back, false);
  });

  it('round-trips a kid and an empty scope list', () => {
    const withKid: Ticket = { ...ticket, scopes: '', kid: 'k-1' };
    const back = parsed(parseTicket(new URLSearchParams(ticketQuery(withKid))));
    assert.equal(back.kid, 'k-1');
    assert.equal(back.scopes, '');
    assert.deepEqual(back.scopeList, []);
  });

  it('writes no kid parameter when the ticket has none', () => {
    assert.equal(new URLSearchParams(ticketQuery(ticket)).has('kid'), false);
  });

  it('leaves commas and colons readable in the scope list', () => {
    assert.match(ticketQuery(ticket), /(^|&)scopes=ops\.admin,tenant:7\.ops(&|$)/);
  });

  it('writes exactly the four parameters in order', () => {
    assert.equal(ticketQuery(ticket), `ts=1700000000&nonce=${NONCE}&scopes=ops.admin,tenant:7.ops&sig=${SIG}`);
  });
});

describe('encodeQueryValue', () => {
  it('percent-encodes like encodeURIComponent except for , and :', () => {
    assert.equal(encodeQueryValue('a b&c=d,e:f/g'), 'a%20b%26c%3Dd,e:f%2Fg');
  });

  it('produces values that URLSearchParams decodes back unchanged', () => {
    const value = 'x y&z=1,2:3+4%5';
    assert.equal(new URLSearchParams(`v=${encodeQueryValue(value)}`).get('v'), value);
  });
});

describe('isFresh', () => {
  const now = 1700000000;

  it('accepts the same second', () => {
    assert.equal(isFresh(now, now), true);
  });

  it('accepts a ts exactly 300 s in the past or the future', () => {
    assert.equal(TICKET_WINDOW_S, 300);
    assert.equal(isFresh(now - 300, now), true);
    assert.equal(isFresh(now + 300, now), true);
  });

  it('refuses a ts 301 s in the past or the future', () => {
    assert.equal(isFresh(now - 301, now), false);
    assert.equal(isFresh(now + 301, now), false);
  });
});
