/**
 * The close-code table: every code of the protocol has a deliberate client action, and PROTOCOL.md §7 (the
 * table for people) lists exactly the same codes, names and actions, so the two cannot drift apart again.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  CLOSE_ACTIONS,
  CloseCode,
  closeAction,
  MAX_AUTH_REFUSALS,
  SSE_REFUSALS,
  type CloseAction,
} from '../../src/protocol/index.js';

const ACTIONS: readonly CloseAction[] = ['stop', 'retry', 'busy', 'reauth'];

/** The section of PROTOCOL.md that starts with `heading`, up to the next heading of the same level or above. */
function section(heading: string): string {
  const text = readFileSync(new URL('../../PROTOCOL.md', import.meta.url), 'utf8');
  const start = text.indexOf(`\n${heading}`);
  assert.ok(start >= 0, `PROTOCOL.md has "${heading}"`);
  const level = heading.split(' ')[0] as string;
  const end = text.slice(start + 1).search(new RegExp(`\\n#{1,${level.length}} `));
  return end < 0 ? text.slice(start) : text.slice(start, start + 1 + end);
}

/** The cells of the table rows in `text` whose first cell starts with a number. */
function rows(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => /^\|\s*\d+/.test(line))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

describe('close codes', () => {
  it('gives every code of the protocol one of the four client actions', () => {
    for (const [name, code] of Object.entries(CloseCode)) {
      const action = (CLOSE_ACTIONS as Readonly<Record<number, unknown>>)[code];
      assert.ok(
        ACTIONS.includes(action as CloseAction),
        `${name} (${code}) has a client action, not ${String(action)}`,
      );
    }
  });

  it('has an action for no code the protocol does not name', () => {
    const codes = new Set<number>(Object.values(CloseCode));
    for (const key of Object.keys(CLOSE_ACTIONS)) assert.ok(codes.has(Number(key)), `${key} is in CloseCode`);
  });

  it('keeps the codes the gateway sends under their names', () => {
    assert.deepEqual(
      { ...CloseCode },
      {
        normal: 1000,
        goingAway: 1001,
        protocolError: 1002,
        unsupportedData: 1003,
        abnormal: 1006,
        invalidPayload: 1007,
        policyViolation: 1008,
        tooBig: 1009,
        internalError: 1011,
        serviceRestart: 1012,
        tryAgainLater: 1013,
        unauthorized: 4401,
        forbidden: 4403,
        timeout: 4408,
        revoked: 4410,
        rateLimited: 4429,
      },
    );
  });

  it('looks every code of the protocol up to the action the table gives it', () => {
    const table: [number[], CloseAction][] = [
      [[1000, 4403, 4410, 1008, 1009, 1002, 1003, 1007], 'stop'],
      [[1001, 1006, 1011, 1012, 4408], 'retry'],
      [[1013, 4429], 'busy'],
      [[4401], 'reauth'],
    ];
    for (const [codes, action] of table) {
      for (const code of codes) assert.equal(closeAction(code), action, String(code));
    }
    for (const code of Object.values(CloseCode)) assert.equal(closeAction(code), CLOSE_ACTIONS[code], String(code));
  });

  it('looks a code up, and reconnects with backoff on a code it does not know', () => {
    assert.equal(closeAction(CloseCode.rateLimited), 'busy');
    assert.equal(closeAction(CloseCode.unauthorized), 'reauth');
    assert.equal(closeAction(1005), 'retry');
    assert.equal(closeAction(4999), 'retry');
  });

  it('maps the SSE refusals onto codes of the table', () => {
    const codes = new Set<number>(Object.values(CloseCode));
    for (const [status, code] of Object.entries(SSE_REFUSALS)) assert.ok(codes.has(code), `${status} → ${code}`);
  });
});

describe('PROTOCOL.md §7', () => {
  const text = section('## 7. Close codes and what a client does');
  const table = rows(text.slice(0, text.indexOf('\n### ')));

  it('lists exactly the codes of the table, each under its name and with its client action', () => {
    const documented = table.map(([code, name, , action]) => [Number(code), name, action?.replace(/`/g, '')]);
    const expected = Object.entries(CloseCode)
      .map(([name, code]) => [code, name, CLOSE_ACTIONS[code]])
      .sort((a, b) => Number(a[0]) - Number(b[0]));
    assert.deepEqual(documented, expected);
  });

  it('states how many refusals in a row stop the client', () => {
    assert.match(text, new RegExp(`after \\*\\*${MAX_AUTH_REFUSALS}\\*\\* refusals in a row`));
  });

  it('maps the SSE answers as the SSE transport does', () => {
    const sse = rows(section('### 7.3 On SSE'));
    const leading = (cell = ''): number => Number(/^\d+/.exec(cell)?.[0]);
    const pairs = sse.map(([answer, code]) => [leading(answer), leading(code)] as const);
    // The refusals, each under its code; the rows taken as 1006 (what no gateway answers) are none of them.
    const refusals = pairs.filter(([, code]) => code !== CloseCode.abnormal);
    assert.deepEqual(Object.fromEntries(refusals), { ...SSE_REFUSALS });
    for (const [status] of pairs.filter(([, code]) => code === CloseCode.abnormal)) {
      assert.equal(SSE_REFUSALS[status], undefined, `${status} is taken as 1006`);
    }
  });
});
