import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KeyRing } from '../../../server/admission/keyring.js';
import { MemoryNonceStore } from '../../../server/admission/nonce-store.js';
import { verifyTicket, type TicketCheck } from '../../../server/admission/tickets.js';
import { isOneLine, runCli } from './spawn-cli.js';

const SECRET = { WS_HMAC_SECRET: 'dev-secret' };

/** Runs `rt-sign`. */
const rtSign = (args: string[], env: Record<string, string> = SECRET) => runCli('rt-sign.ts', args, env);

/** The verdict the gateway gives the ticket in `url`'s query. */
async function gatewayVerdict(url: string, check: Omit<TicketCheck, 'nonces' | 'now'>) {
  const nonces = new MemoryNonceStore();
  try {
    return await verifyTicket(new URL(url).searchParams, { ...check, nonces, now: Date.now });
  } finally {
    await nonces.close();
  }
}

describe('rt-sign', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rt-sign-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('--help', () => {
    it('prints the usage, every flag with its default, the environment and examples, and exits 0', async () => {
      for (const flag of ['--help', '-h']) {
        const { code, stdout, stderr } = await rtSign([flag], {});
        assert.equal(code, 0, flag);
        assert.equal(stderr, '');
        assert.match(stdout, /^rt-sign: prints a signed connection URL/);
        for (const name of ['--scopes', '--url', '--sse', '--topics', '--kid', '--json', '--help']) {
          assert.match(stdout, new RegExp(`\\n +(-h, )?${name}\\b`), name);
        }
        assert.match(stdout, /--url <ws-url> .*\(default: ws:\/\/127\.0\.0\.1:3100\/rt\)\n/);
        assert.match(stdout, /--json .*\(default: off\)\n/);
        for (const name of ['WS_HMAC_KEYS_FILE', 'WS_HMAC_SECRET', 'WS_HMAC_KID'])
          assert.match(stdout, new RegExp(name));
        assert.match(stdout, /\nExamples:\n {2}\S/);
      }
    });
  });

  describe('usage errors', () => {
    it('exit 2 with one line naming the mistake and pointing to --help', async () => {
      const cases: [string[], Record<string, string>, RegExp][] = [
        [['--bogus'], SECRET, /unknown flag --bogus/],
        [['--url'], SECRET, /--url needs a value/],
        [['--json=yes'], SECRET, /--json takes no value/],
        [['extra'], SECRET, /unexpected argument extra/],
        [[], {}, /set WS_HMAC_SECRET \(or WS_HMAC_KEYS_FILE\)/],
        [['--sse'], SECRET, /--sse needs --topics/],
        [['--topics', 'a.b'], SECRET, /--topics goes with --sse/],
        [['--url', 'http://h/rt'], SECRET, /--url must be a ws:\/\/ or wss:\/\/ URL/],
        [['--scopes', 'a,,b'], SECRET, /malformed or repeated scope in --scopes a,,b/],
        [['--kid', 'not a kid'], SECRET, /malformed or repeated kid "not a kid"/],
      ];
      const runs = await Promise.all(cases.map(([args, env]) => rtSign(args, env)));
      runs.forEach(({ code, stdout, stderr }, i) => {
        const [args, , reason] = cases[i] as (typeof cases)[number];
        assert.equal(code, 2, `rt-sign ${args.join(' ')}`);
        assert.equal(stdout, '');
        assert.ok(isOneLine(stderr), `one line, no stack trace: ${stderr}`);
        assert.match(stderr, /^rt-sign: .* \(see rt-sign --help\)\n$/);
        assert.match(stderr, reason);
      });
    });
  });

  describe('with WS_HMAC_SECRET', () => {
    it('prints a WebSocket URL whose ticket the gateway accepts', async () => {
      const { code, stdout } = await rtSign(['--scopes', 'ops.admin']);
      assert.equal(code, 0);
      assert.match(
        stdout,
        /^ws:\/\/127\.0\.0\.1:3100\/rt\?ts=\d+&nonce=[0-9a-f]+&scopes=ops\.admin&sig=[0-9a-f]{64}\n$/,
      );
      const verdict = await gatewayVerdict(stdout.trim(), { secret: 'dev-secret' });
      assert.equal(verdict.ok, true);
    });

    it('prints the SSE URL for --sse, on https for a wss URL', async () => {
      const { code, stdout } = await rtSign(['--sse', '--topics', 'kpis.s2', '--url', 'wss://rt.example/rt']);
      assert.equal(code, 0);
      assert.match(stdout, /^https:\/\/rt\.example\/rt\/sse\?ts=\d+&.*&sig=[0-9a-f]{64}&topics=kpis\.s2\n$/);
    });

    it('puts WS_HMAC_KID in the ticket, and --kid over it', async () => {
      const fromEnv = await rtSign(['--json'], { ...SECRET, WS_HMAC_KID: 'k-env' });
      assert.equal((JSON.parse(fromEnv.stdout) as { kid?: string }).kid, 'k-env');
      const fromFlag = await rtSign(['--json', '--kid', 'k-flag'], { ...SECRET, WS_HMAC_KID: 'k-env' });
      assert.equal((JSON.parse(fromFlag.stdout) as { kid?: string }).kid, 'k-flag');
    });
  });

  describe('with WS_HMAC_KEYS_FILE', () => {
    const keys = {
      keys: [
        { kid: 'new', secret: 'new-secret' },
        { kid: 'old', secret: 'old-secret' },
      ],
    };

    it("signs with the file's current key, or the one --kid names, as the gateway verifies them", async () => {
      const file = join(dir, 'keys.json');
      writeFileSync(file, JSON.stringify(keys));
      const ring = new KeyRing(keys.keys);
      const current = await rtSign([], { WS_HMAC_KEYS_FILE: file, ...SECRET });
      assert.equal(current.code, 0);
      assert.match(current.stdout, /&kid=new\n$/);
      assert.equal((await gatewayVerdict(current.stdout.trim(), { keys: ring })).ok, true);
      const old = await rtSign(['--kid', 'old'], { WS_HMAC_KEYS_FILE: file });
      assert.match(old.stdout, /&kid=old\n$/);
      assert.equal((await gatewayVerdict(old.stdout.trim(), { keys: ring })).ok, true);
    });

    it('exits 1 with one line when the file is missing, malformed or lacks the key', async () => {
      const malformed = join(dir, 'malformed.json');
      writeFileSync(malformed, '{"keys": [');
      const good = join(dir, 'good.json');
      writeFileSync(good, JSON.stringify(keys));
      const cases: [string[], string, RegExp][] = [
        [[], join(dir, 'missing.json'), /^rt-sign: cannot use the key file .*missing\.json: ENOENT/],
        [[], malformed, /^rt-sign: cannot use the key file .*malformed\.json: .*JSON/],
        [['--kid', 'gone'], good, /^rt-sign: the key file .*good\.json holds no key "gone"\n$/],
      ];
      for (const [args, file, reason] of cases) {
        const { code, stdout, stderr } = await rtSign(args, { WS_HMAC_KEYS_FILE: file });
        assert.equal(code, 1, file);
        assert.equal(stdout, '');
        assert.ok(isOneLine(stderr), `one line, no stack trace: ${stderr}`);
        assert.match(stderr, reason);
      }
    });
  });

  describe('v1.1 claims', () => {
    it('signs --ttl and --sub into the ticket, under the signature', async () => {
      const before = Math.floor(Date.now() / 1000);
      const { code, stdout } = await rtSign(['--scopes', 'ops.admin', '--ttl', '600', '--sub', 'u-42', '--json']);
      assert.equal(code, 0);
      const ticket = JSON.parse(stdout) as { ts: number; exp: number; sub: string };
      assert.equal(ticket.exp, ticket.ts + 600);
      assert.ok(ticket.ts >= before);
      assert.equal(ticket.sub, 'u-42');
      const url = (await rtSign(['--scopes', 'ops.admin', '--ttl', '600', '--sub', 'u-42'])).stdout.trim();
      const verdict = await gatewayVerdict(url, { secret: 'dev-secret' });
      assert.equal(verdict.ok, true);
      const forged = url.replace('sub=u-42', 'sub=u-43');
      assert.deepEqual(await gatewayVerdict(forged, { secret: 'dev-secret' }), { ok: false, reason: 'bad_sig' });
    });

    it('refuses a malformed --ttl or --sub (exit 2)', async () => {
      for (const args of [
        ['--ttl', '0'],
        ['--ttl', '1.5'],
        ['--sub', 'a b'],
        ['--sub', 'x'.repeat(129)],
      ]) {
        const { code, stderr } = await rtSign(args);
        assert.equal(code, 2, args.join(' '));
        assert.ok(isOneLine(stderr), stderr);
      }
    });
  });
});
