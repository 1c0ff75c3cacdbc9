import { expect } from '@open-wc/testing';
import { hmacSha256Hex, signTicket } from '../../src/core/signer.js';
import { connectBody, signingInput } from '../../src/protocol/ticket.js';
import { nodeHmac } from '../helpers/commands.js';
import { RFC4231 } from '../helpers/rfc4231.js';

describe('hmacSha256Hex (WebCrypto in Chromium)', () => {
  for (const v of RFC4231) {
    it(`matches RFC 4231 ${v.name}`, async () => {
      expect(await hmacSha256Hex(v.key, v.data)).to.equal(v.sha256);
    });
  }

  it("matches Node's createHmac for UTF-8 secrets", async () => {
    for (const [key, data] of [
      ['dev-secret', '1700000000.0123456789abcdef.connect:ops.admin'],
      ['sécret-😀-ключ', '1700000000.00112233445566778899aabbccddeeff.connect:ops.admin,liveops.admin'],
    ]) {
      expect(await hmacSha256Hex(key!, data!)).to.equal(await nodeHmac(key!, data!));
    }
  });
});

describe('signTicket (WebCrypto in Chromium)', () => {
  it("produces the signature the gateway's Node code computes for the same ticket", async () => {
    const ticket = await signTicket('test-secret', ['ops.admin', 'liveops.admin']);
    expect(ticket.ts).to.be.within(1_000_000_000, 9_999_999_999);
    expect(ticket.nonce).to.match(/^[0-9a-f]{32}$/);
    const input = signingInput(ticket.ts, ticket.nonce, connectBody(ticket.scopes));
    expect(ticket.sig).to.equal(await nodeHmac('test-secret', input));
  });
});
