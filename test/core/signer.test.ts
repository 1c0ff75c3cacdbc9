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

  it('signs exp and sub (v1.1) as Node computes the known vector', async () => {
    const ticket = await signTicket('k', ['ops.admin'], {
      now: 1_700_000_000_000,
      nonce: 'a1b2c3d4e5f60718',
      exp: 1_700_000_600,
      sub: 'u-42',
    });
    expect(ticket).to.include({ exp: 1_700_000_600, sub: 'u-42' });
    expect(ticket.sig).to.equal(
      await nodeHmac('k', '1700000000.a1b2c3d4e5f60718.connect:ops.admin;exp=1700000600;sub=u-42'),
    );
  });
});
