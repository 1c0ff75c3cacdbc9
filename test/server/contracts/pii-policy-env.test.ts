/**
 * The gateway-wide PII policy: `RT_PII_POLICY` for `rt-gateway` (listed in `--help`, a bad value stops it before it
 * listens) and `piiPolicy` in code (the default of topics that set none).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { PayloadRefused } from '../../../server/contracts/admission.js';
import { SECRET, startGateway } from '../helpers.js';

/** Runs `rt-gateway` from source to its end (it exits before listening in both cases here). */
const gateway = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts', ...args], {
    env: { ...process.env, PORT: '0', WS_HMAC_SECRET: SECRET, LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
  });

describe('the gateway-wide PII policy', () => {
  it('RT_PII_POLICY is listed in --help, and a bad value stops rt-gateway with exit 1 and the allowed values', () => {
    assert.match(gateway(['--help'], {}).stdout, /RT_PII_POLICY\s+personal data in payloads .*off, warn \(default\)/);
    const bad = gateway([], { RT_PII_POLICY: 'strict' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /RT_PII_POLICY must be off, warn, redact or refuse/);
  });

  it('piiPolicy is the default of topics without a policy; a topic keeps its own', async () => {
    const gw = await startGateway({
      piiPolicy: 'refuse',
      topics: { 'p.default': { scopes: [] }, 'p.own': { scopes: [], pii: 'warn' } },
    });
    try {
      assert.throws(() => gw.fanout('p.default', { contact: 'ops@example.org' }), PayloadRefused);
      assert.doesNotThrow(() => gw.fanout('p.own', { contact: 'ops@example.org' }));
    } finally {
      await gw.close();
    }
    await assert.rejects(
      startGateway({ piiPolicy: 'strict' as 'off' }),
      /piiPolicy must be off, warn, redact or refuse/,
    );
  });
});
