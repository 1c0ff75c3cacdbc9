/**
 * Detectors of personal data in one string: e-mail addresses, phone numbers, IP addresses, payment card numbers
 * and Turkish national ids (T.C. Kimlik No). Pure functions, no state between calls.
 *
 * Precision first: a KPI dashboard carries numbers everywhere (timestamps, seqs, versions, decimals, ids), and a
 * guard that cries wolf is switched off. So each detector wants the structure of what it detects, not just digits:
 * a phone number needs a `+`, a trunk `0` or the NANP shape with separators; a card number needs an issuer's
 * first digit and a valid Luhn check digit; a Kimlik number needs both its check digits. Every regular expression
 * is linear (no nested ambiguous quantifiers): a hostile string costs time proportional to its length.
 */
import { isIPv6 } from 'node:net';

/** What a finding is: `email`, `phone`, `ip` (v4 or v6), `card` (payment card) or `tckn` (T.C. Kimlik No). */
export type PiiKind = 'email' | 'phone' | 'ip' | 'card' | 'tckn';

/** Every kind, in the order findings are reported. */
export const PII_KINDS: readonly PiiKind[] = ['email', 'phone', 'ip', 'card', 'tckn'];

/** One finding: its kind and where it is in the string (`end` exclusive). */
export interface PiiMatch {
  readonly kind: PiiKind;
  readonly start: number;
  readonly end: number;
}

const NONE: readonly PiiMatch[] = Object.freeze([]);

/** Runs `pattern` over `text`, keeping the matches `accept` agrees with. */
function scan(
  text: string,
  pattern: RegExp,
  kind: PiiKind,
  accept: (match: string) => boolean,
  into: PiiMatch[],
): void {
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    if (accept(m[0])) into.push({ kind, start: m.index, end: m.index + m[0].length });
  }
}

// ---- e-mail ------------------------------------------------------------------------------------------------------

const EMAIL =
  /(?<![\w.%+-])[A-Za-z0-9][\w.%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}(?![\w-]|\.[A-Za-z0-9])/g;
/** `icon@2x.png`, `logo@brand.svg`: asset names, not addresses. */
const ASSET = /@(?:\d+(?:\.\d+)?x\.|.*\.(?:png|jpe?g|gif|svg|webp|avif|ico|css|m?js|json|map)$)/i;

/** E-mail addresses (ASCII, with a dotted domain and a letter TLD; asset names such as `icon@2x.png` are not). */
export function findEmails(text: string, into: PiiMatch[] = []): PiiMatch[] {
  if (text.indexOf('@') >= 0) scan(text, EMAIL, 'email', (m) => !ASSET.test(m), into);
  return into;
}

// ---- IP addresses ------------------------------------------------------------------------------------------------

/** A dotted quad: checked by {@link personalIpv4} (octets 0–255, no leading zeros). */
const IPV4 = /(?<![\w.])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?!\w|\.\d)/g;
const OCTET = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?(?![\w:]|\.\d)/g;

/** A valid address, but not the unspecified, loopback or broadcast ones: they name no one. */
function personalIpv4(address: string): boolean {
  if (!address.split('.').every((octet) => OCTET.test(octet))) return false;
  return address !== '0.0.0.0' && address !== '255.255.255.255' && !address.startsWith('127.');
}

/** At least three groups: `::1` and `fe80::1` name no one, and short forms like `a::b` are too often not addresses. */
function personalIpv6(address: string): boolean {
  if (!isIPv6(address)) return false;
  let groups = 0;
  for (const group of address.split(':')) if (group !== '') groups += group.includes('.') ? 2 : 1;
  return groups >= 3;
}

function colonCount(text: string): number {
  let count = 0;
  for (let i = text.indexOf(':'); i >= 0; i = text.indexOf(':', i + 1)) count += 1;
  return count;
}

/**
 * IPv4 (dotted quad, no leading zeros; not after a letter, so `v1.2.3.4` is a version) and IPv6 (any valid form
 * with at least three groups, IPv4-mapped included) addresses, both of kind `ip`.
 */
export function findIps(text: string, into: PiiMatch[] = []): PiiMatch[] {
  const first = into.length;
  // Seven colons (the full form) or `::` (a compressed one): times such as 10:30:00 need no look.
  if (text.includes('::') || colonCount(text) >= 7) scan(text, IPV6, 'ip', personalIpv6, into);
  const v6 = into.slice(first);
  if (text.indexOf('.') < 0) return into;
  // The IPv4 tail of an IPv4-mapped IPv6 address is part of that one finding.
  const outside = (start: number) => !v6.some((m) => start >= m.start && start < m.end);
  IPV4.lastIndex = 0;
  for (let m = IPV4.exec(text); m !== null; m = IPV4.exec(text))
    if (personalIpv4(m[0]) && outside(m.index)) into.push({ kind: 'ip', start: m.index, end: m.index + m[0].length });
  return into;
}

// ---- payment cards -----------------------------------------------------------------------------------------------

const CARD = /(?<![\w.,+-]|\d[ -])(?:\d{13,19}|\d{3,6}(?:[ -]\d{3,6}){1,5})(?!\w|[.,]\d)/g;
/** Issuers' first digits: 2–6 (Mastercard, Mir, Amex, Diners, JCB, Visa, Discover, UnionPay, Maestro), Troy 9792. */
const ISSUER = /^(?:[2-6]|9792)/;

/** Whether `digits` passes the Luhn check. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** 13 to 19 digits (groups of 3–6 between one kind of separator), an issuer's prefix, a valid Luhn digit. */
function cardNumber(match: string): boolean {
  if (match.includes(' ') && match.includes('-')) return false;
  const digits = match.replace(/[ -]/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  if (digits.length === 13 && digits[0] !== '4') return false; // only Visa has 13 digits
  return ISSUER.test(digits) && luhnValid(digits);
}

/**
 * Payment card numbers: 13–19 digits, contiguous or in groups separated by spaces or dashes, starting as an issuer's
 * numbers do (2–6, or Troy's 9792) and Luhn-valid. Millisecond timestamps (13 digits starting with 1) never match.
 */
export function findCards(text: string, into: PiiMatch[] = []): PiiMatch[] {
  scan(text, CARD, 'card', cardNumber, into);
  return into;
}

// ---- T.C. Kimlik No ----------------------------------------------------------------------------------------------

const ELEVEN = /(?<![\w.,+-])[1-9]\d{10}(?!\w|[.,]\d)/g;

/**
 * Whether `digits` is a valid T.C. Kimlik No: 11 digits, the first not 0, the 10th
 * `((d1+d3+d5+d7+d9)·7 − (d2+d4+d6+d8)) mod 10`, the 11th `(d1+…+d10) mod 10`.
 */
export function tcknValid(digits: string): boolean {
  if (!/^[1-9]\d{10}$/.test(digits)) return false;
  const d = (i: number) => digits.charCodeAt(i) - 48;
  const odd = d(0) + d(2) + d(4) + d(6) + d(8);
  const even = d(1) + d(3) + d(5) + d(7);
  const tenth = (((odd * 7 - even) % 10) + 10) % 10;
  if (tenth !== d(9)) return false;
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += d(i);
  return sum % 10 === d(10);
}

/** Turkish national ids (T.C. Kimlik No): 11 contiguous digits with both check digits right. */
export function findTckns(text: string, into: PiiMatch[] = []): PiiMatch[] {
  scan(text, ELEVEN, 'tckn', tcknValid, into);
  return into;
}

// ---- phone numbers -----------------------------------------------------------------------------------------------

/** `+` and a country code, then digits with separators: a candidate, checked by {@link internationalPhone}. */
const INTERNATIONAL = /(?<![\w+])\+[1-9][\d ().-]{5,22}\d(?!\w|[.,]\d)/g;
/** A trunk `0` (`0532 123 45 67`, `(0532) 123 45 67`, `020 7946 0958`): checked by {@link nationalPhone}. */
const NATIONAL = /(?<![\w+.,:/-]|\d[ .-])(?:\(0\d{1,4}\)|0)[\d ().-]{7,18}\d(?!\w|[.,:/-]\d)/g;
/** NANP with separators: `(415) 555-2671`, `415-555-2671`, `415.555.2671`, `415 555 2671`. */
const NANP = /(?<![\w+.,:/-]|\d[ .-])(?:\([2-9]\d{2}\) ?|[2-9]\d{2}[ .-])[2-9]\d{2}[ .-]\d{4}(?!\w|[.,:/-]\d)/g;

/**
 * The digit groups of a phone candidate once parentheses (around 1–5 digits only) are dropped, or undefined when
 * its separators are not those of a phone number: one kind (space, dash or dot; spaces and dashes may mix as in
 * `+1 415-555-2671`), never two in a row; dots at least twice and not as thousands separators (`+12.345.678`).
 */
function phoneGroups(candidate: string): string[] | undefined {
  if (/[()]/.test(candidate.replace(/\(\d{1,5}\)/g, ''))) return undefined; // unbalanced, or around too much
  const text = candidate.replace(/\((\d{1,5})\) ?/g, '$1 ').trim();
  if (/[ .-]{2,}/.test(text)) return undefined;
  const kinds = new Set(text.replace(/[\d+]/g, ''));
  if (kinds.size === 0) return [text];
  if (kinds.size === 2 && kinds.has(' ') && kinds.has('-')) return text.split(/[ -]/);
  if (kinds.size > 1) return undefined;
  const [separator = ''] = kinds;
  const groups = text.split(separator);
  if (separator === '.') {
    if (groups.length < 3) return undefined; // one dot: a decimal
    const [first = '', ...rest] = groups;
    if (/^\+?\d{1,3}$/.test(first) && rest.every((g) => g.length === 3)) return undefined; // 12.345.678
  }
  return groups;
}

/** `+` + 8–15 digits in groups (10–15 when written without separators). */
function internationalPhone(candidate: string): boolean {
  const groups = phoneGroups(candidate);
  if (!groups) return false;
  const digits = groups.join('').replace('+', '');
  if (digits.length > 15) return false;
  return groups.length === 1 ? digits.length >= 10 : digits.length >= 8;
}

/**
 * A trunk `0`, then a digit 1–9: 10–11 digits without separators; with separators 9–12 digits, groups of 2–4 after
 * the first (or one group of 5–8 after an area code), and a lone `0` followed by a 3–4 digit area code.
 */
function nationalPhone(candidate: string): boolean {
  const groups = phoneGroups(candidate);
  if (!groups) return false;
  const digits = groups.join('');
  if (digits[1] === '0') return false; // 00…: an international prefix or a zero-padded number
  if (groups.length === 1) return digits.length === 10 || digits.length === 11;
  if (digits.length < 9 || digits.length > 12) return false;
  const [first = '', ...rest] = groups;
  if (first.length > 5 || (first === '0' && !/^\d{3,4}$/.test(rest[0] ?? ''))) return false;
  if (rest.length === 1) return /^\d{5,8}$/.test(rest[0] as string);
  return rest.every((g) => /^\d{2,4}$/.test(g));
}

/** Both separators alike, unless the area code is in parentheses. */
function nanpPhone(candidate: string): boolean {
  if (candidate.startsWith('(')) return true;
  return candidate[3] === candidate[7];
}

/**
 * Phone numbers: international (`+90 532 123 45 67`, `+14155552671`, `+1 (415) 555-2671`), national with a trunk
 * `0` (`0532 123 45 67`, `05321234567`, `(0532) 123 45 67`, `020 7946 0958`) and NANP with separators
 * (`(415) 555-2671`, `415-555-2671`). Never a bare number without `+` or trunk `0`, a decimal, a date or a time.
 */
export function findPhones(text: string, into: PiiMatch[] = []): PiiMatch[] {
  return phones(text, into, text.indexOf('+') >= 0, text.indexOf('0') >= 0, true);
}

/** The phone scans that can match, as the caller found out. */
function phones(text: string, into: PiiMatch[], plus: boolean, trunk: boolean, nanp: boolean): PiiMatch[] {
  if (plus) scan(text, INTERNATIONAL, 'phone', internationalPhone, into);
  if (trunk) scan(text, NATIONAL, 'phone', nationalPhone, into);
  if (nanp) scan(text, NANP, 'phone', nanpPhone, into);
  return into;
}

// ---- all of them -------------------------------------------------------------------------------------------------

/** A letter, digit, `_` or one of `+.,:/-`: a number after it is part of something else (a date, a time, a word). */
function joins(code: number): boolean {
  return (
    (code >= 48 && code <= 57) ||
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    code === 95 ||
    code === 43 ||
    (code >= 44 && code <= 47) ||
    code === 58
  );
}

/**
 * Every finding in `text`, in order, without overlaps (where two detectors claim the same characters, the finding
 * that starts first wins, then the longer one). One pass over the characters first decides which detectors can
 * match at all (a card has 13+ digits in one run or in 3+ runs of 3+; a Kimlik number a run of 11; an IPv4 address
 * 4+ digits and 3 dots, an IPv6 one 7 colons or `::`; a phone 8+ digits and a `+`, a run starting with a trunk `0` after a space or `(`,
 * or three runs of 3+): most strings of a payload, timestamps included, are ruled out without a regular expression.
 * @example findPii('mail jane@example.com') // [{ kind: 'email', start: 5, end: 21 }]
 */
export function findPii(text: string): readonly PiiMatch[] {
  if (text.length < 6) return NONE; // `a@b.co`, the shortest finding
  let digits = 0;
  let run = 0;
  let longestRun = 0;
  let runsOf3 = 0;
  let trunk = false;
  let dots = 0;
  let colons = 0;
  let doubleColon = false;
  let at = false;
  let plus = false;
  for (let i = 0, previous = 0; i < text.length; previous = text.charCodeAt(i), i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (run === 0 && c === 48 && !joins(previous)) trunk = true; // as NATIONAL's look-behind wants
      digits += 1;
      run += 1;
      if (run === 3) runsOf3 += 1;
      if (run > longestRun) longestRun = run;
      continue;
    }
    run = 0;
    if (c === 46) dots += 1;
    else if (c === 58) {
      colons += 1;
      if (previous === 58) doubleColon = true;
    } else if (c === 64) at = true;
    else if (c === 43) plus = true;
  }
  const found: PiiMatch[] = [];
  if (at) findEmails(text, found);
  if (doubleColon || colons >= 7 || (digits >= 4 && dots >= 3)) findIps(text, found);
  if (longestRun >= 13 || (digits >= 13 && runsOf3 >= 3)) findCards(text, found);
  if (longestRun >= 11) findTckns(text, found);
  if (digits >= 8) phones(text, found, plus, trunk && digits >= 9, runsOf3 >= 3);
  if (found.length === 0) return NONE;
  if (found.length === 1) return found;
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: PiiMatch[] = [];
  let until = -1;
  for (const match of found) {
    if (match.start < until) continue;
    kept.push(match);
    until = match.end;
  }
  return kept;
}

/** `text` with each finding replaced by `[redacted:<kind>]`. */
export function redactPii(text: string, matches: readonly PiiMatch[]): string {
  if (matches.length === 0) return text;
  let out = '';
  let at = 0;
  for (const { kind, start, end } of matches) {
    out += `${text.slice(at, start)}[redacted:${kind}]`;
    at = end;
  }
  return out + text.slice(at);
}
