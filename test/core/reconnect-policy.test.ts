/**
 * The reconnect policy, rule by rule (PROTOCOL.md §7): each row is a state, what ended the attempt, and the
 * decision. The jitter source is fixed, so every delay is exact: with `random` = 0.5 the backoff of step n is
 * half of min(maxDelay, minDelay × 2^n): 250, 500, 1 000, 2 000, … ms with the defaults.
 */
import { expect } from '@open-wc/testing';
import {
  helloReceived,
  nextProbeDelay,
  probeAdopted,
  reconnect,
  START,
  stayedUp,
  type Decision,
  type Ending,
  type ReconnectOptions,
  type ReconnectState,
} from '../../src/core/reconnect-policy.js';
import { CLOSE_ACTIONS, CloseCode } from '../../src/protocol/close-codes.js';

const half = (): number => 0.5;
const at = (state: Partial<ReconnectState> = {}): ReconnectState => ({ ...START, ...state });
const close = (code: number, circumstances: Omit<Ending, 'source' | 'code' | 'reason'> = {}): Ending => ({
  source: 'close',
  code,
  reason: 'why',
  ...circumstances,
});
const ticket = (code: number, circumstances: Omit<Ending, 'source' | 'code' | 'reason'> = {}): Ending => ({
  source: 'ticket',
  code,
  reason: 'why',
  ...circumstances,
});
const retry = (delay: number | undefined, state: Partial<ReconnectState>): Decision => ({ state: at(state), delay });
const stop = (source: 'close' | 'ticket', code: number): Decision => ({ stop: { source, code, reason: 'why' } });

interface Row {
  rule: string;
  state?: Partial<ReconnectState>;
  ending: Ending;
  options?: ReconnectOptions;
  transports?: number;
  random?: () => number;
  decision: Decision;
}

const rows: Row[] = [
  // Each code's action (the protocol's table)
  ...Object.entries(CloseCode)
    .filter(([, code]) => CLOSE_ACTIONS[code] === 'stop')
    .map(([name, code]): Row => ({
      rule: `${name} (${code}) stops`,
      ending: close(code),
      decision: stop('close', code),
    })),
  {
    rule: 'a code the protocol does not know retries',
    ending: close(4999),
    decision: retry(250, { attempt: 1, fails: 1 }),
  },
  // Backoff
  {
    rule: 'the first retry waits within minDelay',
    ending: close(1011),
    decision: retry(250, { attempt: 1, fails: 1 }),
  },
  {
    rule: 'each attempt doubles the window',
    state: { attempt: 3 },
    ending: close(1011),
    decision: retry(2_000, { attempt: 4, fails: 1 }),
  },
  {
    rule: 'the window stops growing at maxDelay',
    state: { attempt: 12 },
    ending: close(1011),
    decision: retry(15_000, { attempt: 13, fails: 1 }),
  },
  {
    rule: 'minDelay and maxDelay come from the options',
    state: { attempt: 2 },
    ending: close(1011),
    options: { minDelay: 100, maxDelay: 300 },
    decision: retry(150, { attempt: 3, fails: 1 }),
  },
  {
    rule: 'full jitter: the wait may be 0',
    ending: close(1011, { open: true }),
    random: () => 0,
    decision: retry(0, { attempt: 1 }),
  },
  // Busy gateway
  {
    rule: '1013 waits busyDelay on top of the backoff, neither counting against the transport nor resetting it',
    state: { fails: 1 },
    ending: close(CloseCode.tryAgainLater),
    decision: retry(5_250, { attempt: 1, fails: 1 }),
  },
  {
    rule: '4429 waits busyDelay on top of the backoff, neither counting against the transport nor resetting it',
    state: { fails: 1 },
    ending: close(CloseCode.rateLimited),
    options: { busyDelay: 1_000 },
    decision: retry(1_250, { attempt: 1, fails: 1 }),
  },
  // Restart spread
  {
    rule: 'after a connection that had said hello, the retry is drawn from step 3 (0–8 × minDelay)',
    ending: close(CloseCode.serviceRestart, { open: true }),
    decision: retry(2_000, { attempt: 1 }),
  },
  {
    rule: 'the spread stays within 0–4 s with the defaults',
    ending: close(CloseCode.abnormal, { open: true, stable: true }),
    random: () => 0.999,
    decision: retry(3_996, { attempt: 1 }),
  },
  {
    rule: 'the spread never shortens a later step',
    state: { attempt: 5 },
    ending: close(CloseCode.internalError, { open: true }),
    decision: retry(8_000, { attempt: 6 }),
  },
  {
    rule: 'busy after hello: busyDelay plus the spread',
    state: { fails: 1 },
    ending: close(CloseCode.tryAgainLater, { open: true }),
    decision: retry(7_000, { attempt: 1, fails: 1 }),
  },
  // Transport switch
  {
    rule: 'a failure before hello counts against the transport',
    ending: close(CloseCode.abnormal),
    decision: retry(250, { attempt: 1, fails: 1 }),
  },
  {
    rule: 'the second early failure in a row moves to the next transport',
    state: { attempt: 1, fails: 1 },
    ending: close(CloseCode.abnormal),
    decision: retry(500, { attempt: 2, fails: 0, transport: 1 }),
  },
  {
    rule: 'past the last transport it comes back to the first',
    state: { fails: 1, transport: 1 },
    ending: close(CloseCode.abnormal),
    decision: retry(250, { attempt: 1, fails: 0, transport: 0 }),
  },
  {
    rule: 'with one transport it stays on it',
    state: { fails: 1 },
    ending: close(CloseCode.abnormal),
    transports: 1,
    decision: retry(250, { attempt: 1, fails: 0, transport: 0 }),
  },
  {
    rule: 'an abnormal close (1006) after hello, before the connection was stable, counts',
    ending: close(CloseCode.abnormal, { open: true }),
    decision: retry(2_000, { attempt: 1, fails: 1 }),
  },
  {
    rule: '1012 before hello counts as an early failure',
    ending: close(CloseCode.serviceRestart),
    decision: retry(250, { attempt: 1, fails: 1 }),
  },
  {
    rule: 'a clean close the gateway chose after hello (1012) does not count',
    state: { fails: 1 },
    ending: close(CloseCode.serviceRestart, { open: true }),
    decision: retry(2_000, { attempt: 1, fails: 1 }),
  },
  {
    rule: 'a stall (4408) after hello does not count',
    ending: close(CloseCode.timeout, { open: true }),
    decision: retry(2_000, { attempt: 1 }),
  },
  {
    rule: 'nothing counts once the connection was stable',
    state: { fails: 1 },
    ending: close(CloseCode.abnormal, { open: true, stable: true }),
    decision: retry(2_000, { attempt: 1, fails: 1 }),
  },
  {
    rule: 'a refused ticket does not count against the transport',
    state: { fails: 1 },
    ending: close(CloseCode.unauthorized),
    decision: retry(250, { attempt: 1, fails: 1, refusals: 1 }),
  },
  // Refusals
  {
    rule: '4401 fetches a fresh ticket and retries, counting a refusal',
    ending: close(CloseCode.unauthorized),
    decision: retry(250, { attempt: 1, refusals: 1 }),
  },
  {
    rule: 'the third refusal in a row stops',
    state: { refusals: 2 },
    ending: close(CloseCode.unauthorized),
    decision: stop('close', CloseCode.unauthorized),
  },
  {
    rule: '4401 after hello (expired: the authority ended) counts no refusal and is not spread: back within minDelay',
    ending: close(CloseCode.unauthorized, { open: true, stable: true }),
    decision: retry(250, { attempt: 1 }),
  },
  {
    rule: '4401 after hello never stops the client, whatever refusals came before',
    state: { refusals: 2 },
    ending: close(CloseCode.unauthorized, { open: true }),
    decision: retry(250, { attempt: 1, refusals: 2 }),
  },
  {
    rule: '4401 after hello, again and again before the connection is stable: the backoff still grows',
    state: { attempt: 4 },
    ending: close(CloseCode.unauthorized, { open: true }),
    decision: retry(4_000, { attempt: 5 }),
  },
  {
    rule: '4410 (revoked) stops, even after hello',
    ending: close(CloseCode.revoked, { open: true, stable: true }),
    decision: stop('close', CloseCode.revoked),
  },
  // Ticket provider
  { rule: 'a ticket endpoint 401 stops', ending: ticket(401), decision: stop('ticket', 401) },
  { rule: 'a ticket endpoint 403 stops', ending: ticket(403), decision: stop('ticket', 403) },
  {
    rule: 'a ticket endpoint 5xx retries with backoff, counting nothing',
    state: { fails: 1 },
    ending: ticket(503),
    decision: retry(250, { attempt: 1, fails: 1 }),
  },
  { rule: 'a network error (0) retries', ending: ticket(0), decision: retry(250, { attempt: 1 }) },
  {
    rule: 'a malformed ticket (-1) counts as a refusal',
    ending: ticket(-1),
    decision: retry(250, { attempt: 1, refusals: 1 }),
  },
  {
    rule: 'a malformed ticket is the third refusal in a row: stops',
    state: { refusals: 2 },
    ending: ticket(-1),
    decision: stop('ticket', -1),
  },
  // Offline
  {
    rule: 'offline: no delay and no backoff step spent, the rest counted',
    state: { attempt: 2, fails: 1 },
    ending: close(CloseCode.abnormal, { offline: true }),
    decision: retry(undefined, { attempt: 2, fails: 0, transport: 1 }),
  },
  {
    rule: 'offline still stops when the close says so',
    ending: close(CloseCode.forbidden, { offline: true }),
    decision: stop('close', CloseCode.forbidden),
  },
];

describe('reconnect', () => {
  for (const { rule, state, ending, options = {}, transports = 2, random = half, decision } of rows) {
    it(rule, () => {
      expect(reconnect(at(state), ending, options, transports, random)).to.deep.equal(decision);
    });
  }

  it('does not change the state it was given', () => {
    const state = at({ fails: 1, refusals: 1 });
    reconnect(state, close(CloseCode.unauthorized), {}, 2, half);
    reconnect(state, close(CloseCode.abnormal), {}, 2, half);
    expect(state).to.deep.equal(at({ fails: 1, refusals: 1 }));
  });
});

describe('the other rules of the policy', () => {
  it('a hello starts the refusals over', () => {
    expect(helloReceived(at({ attempt: 3, fails: 1, refusals: 2, transport: 1 }))).to.deep.equal(
      at({ attempt: 3, fails: 1, refusals: 0, transport: 1 }),
    );
  });

  it('a stable connection starts the backoff and its transport failures over', () => {
    expect(stayedUp(at({ attempt: 6, fails: 1, refusals: 1, transport: 1 }))).to.deep.equal(
      at({ attempt: 0, fails: 0, refusals: 1, transport: 1 }),
    );
  });

  it('an adopted probe puts the client on the first transport with one early failure counted', () => {
    expect(probeAdopted(at({ attempt: 2, transport: 1 }))).to.deep.equal(at({ attempt: 2, fails: 1, transport: 0 }));
  });

  it('the probe delay doubles after each failure, up to an hour', () => {
    expect(nextProbeDelay(60_000)).to.equal(120_000);
    expect(nextProbeDelay(3_000_000)).to.equal(3_600_000);
    expect(nextProbeDelay(3_600_000)).to.equal(3_600_000);
  });
});
