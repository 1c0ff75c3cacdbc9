import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OriginPolicy, normalizeOrigin } from '../../../server/admission/origin.js';

const APP = 'https://app.example.com';

describe('normalizeOrigin', () => {
  it('lowercases scheme and host', () => {
    assert.equal(normalizeOrigin('HTTPS://App.Example.COM'), APP);
  });

  it('drops the default port of each scheme', () => {
    assert.equal(normalizeOrigin('https://app.example.com:443'), APP);
    assert.equal(normalizeOrigin('http://app.example.com:80'), 'http://app.example.com');
  });

  it('keeps a non-default port', () => {
    assert.equal(normalizeOrigin('https://app.example.com:8443'), 'https://app.example.com:8443');
    assert.equal(normalizeOrigin('http://app.example.com:443'), 'http://app.example.com:443');
  });

  it('turns a Unicode host into punycode, so a Cyrillic look-alike differs from the real host', () => {
    const lookAlike = normalizeOrigin('https://аpp.example.com');
    assert.ok(lookAlike);
    assert.match(lookAlike, /^https:\/\/xn--/);
    assert.notEqual(lookAlike, APP);
  });

  const refused: [string, string][] = [
    ['the opaque origin null', 'null'],
    ['an empty string', ''],
    ['a bare host', 'app.example.com'],
    ['a WebSocket URL', 'wss://app.example.com'],
    ['a file URL', 'file:///etc/passwd'],
    ['a javascript URL', 'javascript:alert(1)'],
    ['userinfo', 'https://user@app.example.com'],
    ['userinfo with a password', 'https://user:pw@app.example.com'],
    ['a path', 'https://evil.com/app.example.com'],
    ['a query', 'https://app.example.com?x=1'],
    ['a fragment', 'https://app.example.com#x'],
  ];
  for (const [what, origin] of refused) {
    it(`refuses ${what}`, () => {
      assert.equal(normalizeOrigin(origin), undefined);
    });
  }
});

describe('OriginPolicy', () => {
  const policy = new OriginPolicy([APP, 'http://localhost:5173']);

  describe('with an allowlist', () => {
    it('is restricted', () => {
      assert.equal(policy.restricted, true);
    });

    it('allows a listed origin exactly', () => {
      assert.equal(policy.allows(APP), true);
      assert.equal(policy.allows('http://localhost:5173'), true);
    });

    it('compares case-insensitively', () => {
      assert.equal(policy.allows('HTTPS://APP.EXAMPLE.COM'), true);
    });

    it('treats the default port as the same origin', () => {
      assert.equal(policy.allows('https://app.example.com:443'), true);
    });

    it('treats a listed origin with its default port as the origin without it', () => {
      assert.equal(new OriginPolicy(['https://a.com:443']).allows('https://a.com'), true);
    });

    it('matches a Unicode allowlist entry to its punycode form', () => {
      assert.equal(new OriginPolicy(['https://bücher.example']).allows('https://xn--bcher-kva.example'), true);
    });

    const refused: [string, string][] = [
      ['a host with the listed host as a prefix', 'https://app.example.com.evil.com'],
      ['the listed host in the path of another host', 'https://evil.com/app.example.com'],
      ['a sibling subdomain', 'https://evil-app.example.com'],
      ['the parent domain', 'https://example.com'],
      ['a subdomain of the listed host', 'https://x.app.example.com'],
      ['http instead of https', 'http://app.example.com'],
      ['another port', 'https://app.example.com:8443'],
      ['localhost without the listed port', 'http://localhost'],
      ['127.0.0.1 for localhost', 'http://127.0.0.1:5173'],
      ['the opaque origin null', 'null'],
      ['userinfo before the listed host', 'https://app.example.com@evil.com'],
      ['userinfo on the listed host', 'https://user@app.example.com'],
      ['a Cyrillic look-alike host (аpp)', 'https://аpp.example.com'],
      ['an empty Origin', ''],
      ['a trailing dot', 'https://app.example.com.'],
    ];
    for (const [what, origin] of refused) {
      it(`refuses ${what}`, () => {
        assert.equal(policy.allows(origin), false);
      });
    }

    it('allows a request without Origin (not a browser)', () => {
      assert.equal(policy.allows(undefined), true);
    });

    it('refuses every browser origin with an empty allowlist', () => {
      const none = new OriginPolicy([]);
      assert.equal(none.restricted, true);
      assert.equal(none.allows(APP), false);
      assert.equal(none.allows(undefined), true);
    });
  });

  describe('without an allowlist', () => {
    const open = new OriginPolicy();

    it('is not restricted', () => {
      assert.equal(open.restricted, false);
    });

    it('allows every origin, even malformed ones', () => {
      for (const origin of [APP, 'https://evil.com', 'null', 'not a url', undefined]) {
        assert.equal(open.allows(origin), true, String(origin));
      }
    });

    it('lists nothing, so CORS reflects nothing', () => {
      assert.equal(open.lists(APP), false);
    });
  });

  describe('lists', () => {
    it('is true only for an origin on the allowlist', () => {
      assert.equal(policy.lists(APP), true);
      assert.equal(policy.lists('https://app.example.com:443'), true);
      assert.equal(policy.lists('https://evil.com'), false);
      assert.equal(policy.lists('null'), false);
    });

    it('is false for a request without Origin', () => {
      assert.equal(policy.lists(undefined), false);
    });
  });

  describe('configuration', () => {
    const bad = [
      'app.example.com',
      'https://app.example.com/path',
      'ftp://app.example.com',
      'null',
      '',
      'https://u@app.example.com',
    ];
    for (const entry of bad) {
      it(`refuses the allowlist entry ${JSON.stringify(entry)} with a TypeError`, () => {
        assert.throws(() => new OriginPolicy([APP, entry]), TypeError);
      });
    }

    it('accepts an entry with a trailing slash as the origin', () => {
      assert.equal(new OriginPolicy(['https://app.example.com/']).allows(APP), true);
    });
  });
});
