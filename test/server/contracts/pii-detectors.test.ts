/**
 * The PII detectors, one by one: what each must catch, and the look-alikes a KPI dashboard is full of that it
 * must leave alone (timestamps, seqs, versions, decimals, dates, formatted numbers, near-miss checksums).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  findCards,
  findEmails,
  findIps,
  findPhones,
  findPii,
  findTckns,
  luhnValid,
  redactPii,
  tcknValid,
  type PiiMatch,
} from '../../../server/contracts/pii-detectors.js';

/** The matched texts. */
const texts = (text: string, matches: readonly PiiMatch[]) => matches.map((m) => text.slice(m.start, m.end));

/** Asserts `find` matches exactly `expected` (the whole string when omitted) in each text. */
function catches(find: (text: string) => readonly PiiMatch[], cases: readonly (string | [string, string])[]): void {
  for (const item of cases) {
    const [text, expected] = typeof item === 'string' ? [item, item] : item;
    assert.deepEqual(texts(text, find(text)), [expected], text);
  }
}

/** Asserts `find` matches nothing in each text. */
function ignores(find: (text: string) => readonly PiiMatch[], cases: readonly string[]): void {
  for (const text of cases) assert.deepEqual(texts(text, find(text)), [], text);
}

/** Strings a live-ops dashboard carries every second: none is personal data. */
const KPI_STRINGS = [
  '99.2',
  '99.2%',
  '+12.5%',
  '-3.75',
  '15.8 ms',
  '$12,345.67',
  '1,234,567,890',
  '+12.345.678',
  '1 234 567 890',
  '12 345 678 901 234',
  '1234567.891',
  '0.123456789',
  '0.25 0.50 0.75 1.00',
  '1733312345',
  '1733312345678',
  '1733312345678901',
  'seq 12345678901234',
  'build 20241204103000',
  'id 00000012345',
  '2024-12-04',
  '2024-12-04T10:30:00.000Z',
  '2024-12-04T10:30:00+03:00',
  '04.12.2024 10:30',
  '01/02/2024',
  '10:30:45',
  'v1.2.3',
  '1.2.3',
  '10.0.19041.1',
  'v1.2.3.4',
  '5.4.3.2.1',
  'p95 15.8 ms, p99 42.1 ms',
  'std::vector',
  '00:1A:2B:3C:4D:5E',
  'icon@2x.png',
  'logo@brand.svg',
  '@channel',
  'user@localhost',
];

describe('PII detectors', () => {
  it('find e-mail addresses, not asset names or handles', () => {
    catches(findEmails, [
      'jane.doe@example.com',
      ['mail jane+ops@mail.example.com.tr, thanks', 'jane+ops@mail.example.com.tr'],
      'a@b.co',
    ]);
    ignores(findEmails, ['icon@2x.png', 'hero@1.5x.webp', 'logo@brand.svg', '@channel', 'user@localhost', 'a@b']);
  });

  it('find phone numbers: E.164, national with a trunk 0, NANP with separators', () => {
    catches(findPhones, [
      '+90 532 123 45 67',
      '+905321234567',
      '+1 (415) 555-2671',
      '+1 415-555-2671',
      '+44 20 7946 0958',
      '+33.1.23.45.67.89',
      '0532 123 45 67',
      '05321234567',
      '(0532) 123 45 67',
      '0 (532) 123 45 67',
      '0532-123-45-67',
      '020 7946 0958',
      '01 23 45 67 89',
      '(415) 555-2671',
      '415-555-2671',
      '415.555.2671',
      ['call 0532 123 45 67.', '0532 123 45 67'],
    ]);
  });

  it('leave numbers alone that only look like phones', () => {
    ignores(findPhones, [
      ...KPI_STRINGS,
      '+12345678', // no separators: too short for a whole international number
      '+12.345.678', // thousands separators
      '+1234567.89',
      '0123', // too short
      '01.02.2024',
      '00 90 532 123 45 67', // an 00 prefix is not recognized (documented)
      '415-555-267',
      '415-555.2671', // mixed separators
      '4155552671', // a bare 10-digit number
      '12345678901',
    ]);
  });

  it('find IPv4 and IPv6 addresses, not versions, times or loopback', () => {
    catches(findIps, [
      '192.168.1.20',
      ['from 203.0.113.7:443', '203.0.113.7'],
      '2001:db8:85a3::8a2e:370:7334',
      '2001:0db8:0000:0000:0000:ff00:0042:8329',
      '::ffff:192.0.2.1',
    ]);
    ignores(findIps, [
      ...KPI_STRINGS,
      '127.0.0.1',
      '0.0.0.0',
      '255.255.255.255',
      '256.1.1.1',
      '01.2.3.4',
      '::1',
      'fe80::1',
      'ab::cd',
      '12:30',
    ]);
  });

  it('find Luhn-valid card numbers with an issuer prefix, grouped or not', () => {
    catches(findCards, [
      '4111111111111111',
      '4111 1111 1111 1111',
      '5500-0000-0000-0004',
      '3782 822463 10005',
      '4222222222222', // Visa, 13 digits
      '9792 0300 0000 0000', // Troy
      ['card 4111 1111 1111 1111 exp 12/25', '4111 1111 1111 1111'],
    ]);
  });

  it('leave alone a Luhn-invalid 16-digit number, timestamps and odd groupings', () => {
    ignores(findCards, [
      ...KPI_STRINGS,
      '4111111111111112', // Luhn-invalid
      '4111 1111 1111 1112',
      '1733312345678000', // a µs timestamp: starts with 1
      '0000000000000000',
      '4111 1111-1111 1111', // mixed separators
      '41 11 11 11 11 11 11 11', // groups of 2
      '5222222222221', // Luhn-valid, but 13 digits and not Visa
    ]);
  });

  it('find T.C. Kimlik numbers with both check digits right, not 11-digit look-alikes', () => {
    assert.ok(tcknValid('10000000146'));
    catches(findTckns, ['10000000146', ['TCKN: 10000000146.', '10000000146']]);
    ignores(findTckns, [
      ...KPI_STRINGS,
      '10000000147', // 11th digit wrong
      '10000000156', // 10th digit wrong
      '12345678901',
      '01234567890', // first digit 0
      '100000001460', // 12 digits
      '1000000014.6',
    ]);
  });

  it('check Luhn and Kimlik digits exactly', () => {
    assert.equal(luhnValid('79927398713'), true);
    assert.equal(luhnValid('79927398710'), false);
    for (const valid of ['10000000146', '11111111110', '12345678950']) assert.equal(tcknValid(valid), true, valid);
    for (const invalid of ['11111111111', '1234567895', 'abcdefghijk']) assert.equal(tcknValid(invalid), false);
  });

  it('find nothing at all in a dashboard payload of numbers, dates and versions', () => {
    for (const text of KPI_STRINGS) assert.deepEqual(findPii(text), [], text);
  });

  it('report every finding of a string in order, without overlaps, and redact each by kind', () => {
    const text = 'jane@example.com called +90 532 123 45 67 from 203.0.113.7, card 4111111111111111, id 10000000146';
    const found = findPii(text);
    assert.deepEqual(
      found.map((m) => m.kind),
      ['email', 'phone', 'ip', 'card', 'tckn'],
    );
    assert.equal(
      redactPii(text, found),
      '[redacted:email] called [redacted:phone] from [redacted:ip], card [redacted:card], id [redacted:tckn]',
    );
  });
});
