/**
 * The README's signing snippets (```` ```bash publish-snippet ```` and ```` ```python publish-snippet ````) run as a
 * reader pastes them, against a real gateway, with only `RT_URL`, `RT_PUBLISH_KEY_ID` and `RT_PUBLISH_SECRET` set:
 * the message reaches a subscriber, and a wrong secret makes the snippet fail rather than print a refusal as if it
 * were an answer.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FanoutResult } from '../../../server/engines/engine.js';
import type { Gateway } from '../../../server/gateway.js';
import type { PublisherKey } from '../../../server/publish/publisher-keys.js';
import { startGateway, subscribed, type TestClient } from '../helpers.js';

/** Where the snippets are read from: the README a user copies them from. */
const SOURCE = fileURLToPath(new URL('../../../README.md', import.meta.url));

const KEY = {
  id: 'snippets',
  secret: 'snippets-secret-0123456789abcdef01234',
  topics: ['kpis.s2'],
} satisfies PublisherKey;

/** The interpreter of each snippet language, and how it reads a program from its argument. */
const RUNNERS = {
  // --norc: bash reads ~/.bashrc when its stdin is a socket, as a spawned child's can be.
  bash: { command: 'bash', args: (code: string) => ['--norc', '--noprofile', '-c', code], check: ['openssl', 'curl'] },
  python: { command: 'python3', args: (code: string) => ['-c', code], check: [] },
} as const;

/** The code of every ```` ```<lang> publish-snippet ```` block. */
function snippets(markdown: string, lang: keyof typeof RUNNERS): string[] {
  const fence = new RegExp(`^\`\`\`${lang} publish-snippet\\n([\\s\\S]*?)^\`\`\`$`, 'gm');
  return [...markdown.matchAll(fence)].map((match) => match[1] ?? '');
}

/** Whether `command` can be run here. */
const installed = (command: string): boolean => !spawnSync(command, ['--version'], { stdio: 'ignore' }).error;

/** Runs a snippet with only PATH and the three variables it documents. */
function run(lang: keyof typeof RUNNERS, code: string, env: Record<string, string>) {
  const runner = RUNNERS[lang];
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(runner.command, runner.args(code), {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
    child.on('error', reject);
    child.on('close', (exit) => resolve({ code: exit, stdout, stderr }));
  });
}

describe('README publish snippets', () => {
  const markdown = readFileSync(SOURCE, 'utf8');
  let gw: Gateway<FanoutResult>;
  let ws: TestClient;
  const env = () => ({ RT_URL: gw.url, RT_PUBLISH_KEY_ID: KEY.id, RT_PUBLISH_SECRET: KEY.secret });

  before(async () => {
    gw = await startGateway({ publishKeys: [KEY] });
    ws = await subscribed(gw, ['ops.admin'], 'kpis.s2');
  });
  after(async () => {
    await ws.close();
    await gw.close();
  });

  for (const lang of ['bash', 'python'] as const) {
    it(`the ${lang} snippet publishes a signed message that a subscriber receives`, async (t) => {
      const missing = [RUNNERS[lang].command, ...RUNNERS[lang].check].find((command) => !installed(command));
      if (missing) return t.skip(`${missing} not installed`);
      const found = snippets(markdown, lang);
      assert.equal(found.length, 1, `one \`\`\`${lang} publish-snippet block in ${SOURCE}`);
      const code = found[0] ?? '';

      const result = await run(lang, code, env());
      assert.equal(result.code, 0, result.stderr);
      const receipt = JSON.parse(result.stdout) as { seq: number; duplicate: boolean };
      const msg = await ws.next('msg');
      assert.deepEqual(msg.data, { crash_free: 99.2 });
      assert.deepEqual([receipt.seq, receipt.duplicate], [msg.seq, false]);

      const refused = await run(lang, code, { ...env(), RT_PUBLISH_SECRET: 'not-the-secret-0123456789abcdef0123' });
      assert.notEqual(refused.code, 0, 'a refusal fails the snippet');
      assert.match(`${refused.stdout}${refused.stderr}`, /401|bad_signature/);
    });
  }
});
