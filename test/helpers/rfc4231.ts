/**
 * RFC 4231 §4 test vectors for HMAC-SHA-256 (case 5, a truncated output, does not apply).
 * https://www.rfc-editor.org/rfc/rfc4231#section-4
 */
const fill = (byte: number, length: number): Uint8Array => new Uint8Array(length).fill(byte);
const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

/** One vector: key, data and the expected HMAC-SHA-256 in hex. */
export interface HmacVector {
  name: string;
  key: Uint8Array;
  data: Uint8Array;
  sha256: string;
}

export const RFC4231: HmacVector[] = [
  {
    name: 'case 1 (20-byte key, "Hi There")',
    key: fill(0x0b, 20),
    data: ascii('Hi There'),
    sha256: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
  },
  {
    name: 'case 2 (short key "Jefe")',
    key: ascii('Jefe'),
    data: ascii('what do ya want for nothing?'),
    sha256: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  },
  {
    name: 'case 3 (0xaa key, 0xdd data)',
    key: fill(0xaa, 20),
    data: fill(0xdd, 50),
    sha256: '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
  },
  {
    name: 'case 4 (25-byte counting key, 0xcd data)',
    key: Uint8Array.from({ length: 25 }, (_, i) => i + 1),
    data: fill(0xcd, 50),
    sha256: '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
  },
  {
    name: 'case 6 (131-byte key, larger than a block)',
    key: fill(0xaa, 131),
    data: ascii('Test Using Larger Than Block-Size Key - Hash Key First'),
    sha256: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
  },
  {
    name: 'case 7 (131-byte key, data larger than a block)',
    key: fill(0xaa, 131),
    data: ascii(
      'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
    ),
    sha256: '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
  },
];
