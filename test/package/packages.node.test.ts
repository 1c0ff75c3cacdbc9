/**
 * The two packages as a user gets them: built and packed by npm, then checked the way a registry user meets them.
 * - `@lydian/realtime` (the browser side) and `@lydian/realtime-gateway` (server/, an npm workspace) pass
 *   `publint --strict` and `@arethetypeswrong/cli` with the `esm-only` profile (both are ES modules only: a
 *   `require()` from CommonJS is not supported, which is what that profile accepts).
 * - Every source map in a tarball resolves: each source is in the tarball or embedded in the map.
 * - Installed into an empty app, the browser package brings no gateway dependency (no ws, redis, prom-client);
 *   the gateway package runs from its bin and serves the dashboard it advertises, and says what to install
 *   when `REDIS_URL` is set without `redis`.
 * npm installs from its cache first (`--prefer-offline`): the repository's own install has filled it.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { REDIS_RANGE } from '../../server/engines/redis/clients.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

interface Packed {
  name: string;
  filename: string;
  unpackedSize: number;
  files: { path: string }[];
}

let work: string;
let packs: Map<string, Packed & { tarball: string; dir: string }>;
const pack = (name: string) => packs.get(name) as Packed & { tarball: string; dir: string };

/** `npm install` of tarballs into a fresh app directory; returns the directory. */
async function installInto(name: string, ...tarballs: string[]): Promise<string> {
  const app = join(work, name);
  await run('mkdir', ['-p', app]);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', ...tarballs], {
    cwd: app,
  });
  return app;
}

/** The top-level packages of an app's node_modules (`@scope/name` included). */
async function installed(app: string): Promise<string[]> {
  const { stdout } = await run('npm', ['ls', '--all', '--parseable'], { cwd: app });
  return stdout
    .split('\n')
    .filter((line) => line.includes('node_modules'))
    .map((line) => line.slice(line.lastIndexOf('node_modules/') + 'node_modules/'.length));
}

describe('the packages as published', { timeout: 240_000 }, () => {
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'rt-packages-'));
    await run('npm', ['run', 'build', '--silent'], { cwd: root, maxBuffer: 16 << 20 });
    const { stdout } = await run(
      'npm',
      ['pack', '--json', '--workspaces', '--include-workspace-root', '--pack-destination', work],
      { cwd: root, maxBuffer: 16 << 20 },
    );
    const list = JSON.parse(stdout) as Packed[];
    packs = new Map(
      list.map((p) => [
        p.name,
        { ...p, tarball: join(work, p.filename), dir: p.name === '@lydian/realtime' ? root : join(root, 'server') },
      ]),
    );
  });
  after(() => rm(work, { recursive: true, force: true }));

  for (const name of ['@lydian/realtime', '@lydian/realtime-gateway']) {
    describe(name, () => {
      it('passes publint --strict', async () => {
        const data = await readFile(pack(name).tarball);
        const tarball = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
        const { messages, pkg } = await publint({ pack: { tarball }, strict: true });
        assert.deepEqual(
          messages.map((m) => `${m.type}: ${formatMessage(m, pkg)}`),
          [],
        );
      });

      it('has types that resolve for ES module users (attw --profile esm-only)', async () => {
        // Exit code 0 under the profile; the JSON report lists CommonJS findings that `esm-only` ignores.
        const failure = await run(bin('attw'), [pack(name).tarball, '--profile', 'esm-only', '--format', 'ascii'], {
          maxBuffer: 16 << 20,
        }).then(
          () => undefined,
          (error: { stdout: string }) => error.stdout,
        );
        assert.equal(failure, undefined);
      });

      it('ships source maps whose sources are in the package or embedded', async () => {
        const { files, dir } = pack(name);
        const shipped = new Set(files.map((f) => f.path));
        const maps = [...shipped].filter((path) => path.endsWith('.map'));
        assert.ok(maps.length > 0, 'the package has source maps');
        const unresolved: string[] = [];
        for (const map of maps) {
          const {
            sources,
            sourcesContent,
            sourceRoot = '',
          } = JSON.parse(await readFile(join(dir, map), 'utf8')) as {
            sources: string[];
            sourcesContent?: (string | null)[];
            sourceRoot?: string;
          };
          sources.forEach((source, i) => {
            const path = posix.normalize(posix.join(posix.dirname(map), sourceRoot, source));
            if (!shipped.has(path) && typeof sourcesContent?.[i] !== 'string') unresolved.push(`${map} → ${source}`);
          });
        }
        assert.deepEqual(unresolved, []);
      });
    });
  }

  it('builds with one esbuild (tsx, rollup and the test runner share it)', async () => {
    const { stdout } = await run('npm', ['ls', 'esbuild', '--all', '--json'], { cwd: root, maxBuffer: 16 << 20 });
    const versions = new Set<string>();
    const walk = (deps: Record<string, { version: string; dependencies?: object }> = {}): void => {
      for (const [name, dep] of Object.entries(deps)) {
        if (name === 'esbuild') versions.add(dep.version);
        walk(dep.dependencies as typeof deps);
      }
    };
    walk((JSON.parse(stdout) as { dependencies?: Record<string, { version: string }> }).dependencies);
    assert.equal(versions.size, 1, `esbuild versions: ${[...versions].join(', ')}`);
  });

  it('keeps the gateway and its dependencies out of the browser package', () => {
    const paths = pack('@lydian/realtime').files.map((f) => f.path);
    assert.equal(paths.filter((p) => p.startsWith('server/') || p.startsWith('dist/server/')).length, 0);
    assert.ok(paths.includes('dist/browser/rt-elements.js'));
    // The chunks the bundles load where tabs can share.
    assert.ok(paths.includes('dist/browser/rt-elements-share.js'));
    assert.ok(paths.includes('dist/browser/realtime-share.js'));
  });

  it('ships the operations kit with the gateway: Prometheus rules, the Grafana dashboard, the runbook', () => {
    const paths = pack('@lydian/realtime-gateway').files.map((f) => f.path);
    for (const file of ['RUNBOOK.md', 'ops/prometheus/lydian-rules.yml', 'ops/grafana/lydian-gateway.json'])
      assert.ok(paths.includes(file), `${file} is in the package`);
    // The rules' own unit tests stay in the repository.
    assert.ok(!paths.includes('ops/prometheus/lydian-rules.test.yml'));
  });

  it('installs the browser package with lit and nothing of the gateway', async () => {
    const app = await installInto('browser-app', pack('@lydian/realtime').tarball);
    const names = await installed(app);
    assert.ok(names.includes('lit'), 'lit is installed');
    for (const gatewayDependency of ['ws', 'redis', 'prom-client', '@lydian/realtime-gateway'])
      assert.ok(!names.includes(gatewayDependency), `${gatewayDependency} is not installed`);
  });

  describe('the gateway package, installed', () => {
    let app: string;
    before(async () => {
      app = await installInto('gateway-app', pack('@lydian/realtime-gateway').tarball);
    });

    it('leaves redis out unless asked for, and names the range it needs', async () => {
      const names = await installed(app);
      assert.ok(names.includes('ws'));
      assert.ok(!names.includes('redis'), 'redis is an optional peer');
      const manifest = JSON.parse(await readFile(join(root, 'server', 'package.json'), 'utf8')) as {
        peerDependencies: Record<string, string>;
      };
      assert.equal(manifest.peerDependencies['redis'], REDIS_RANGE);
    });

    it('runs `rt-gateway --demo` and serves the dashboard it advertises', async () => {
      const child = spawn(join(app, 'node_modules', '.bin', 'rt-gateway'), ['--demo', '--port', '0'], {
        cwd: app,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        const url = await new Promise<string>((resolve, reject) => {
          child.once('exit', (code) => reject(new Error(`rt-gateway exited with ${code}`)));
          createInterface({ input: child.stdout }).on('line', (line) => {
            const found = /Demo dashboard: (http:\/\/\S+?)\/ /.exec(line);
            if (found) resolve(found[1] as string);
          });
        });
        const page = await fetch(`${url}/`);
        assert.equal(page.status, 200);
        assert.match(await page.text(), /<rt-connection/);
        const bundle = await fetch(`${url}/dist/rt-elements.js`);
        assert.equal(bundle.status, 200);
        assert.match(bundle.headers.get('content-type') ?? '', /javascript/);
        await bundle.arrayBuffer();
        // Tab sharing, which the bundle loads in a page that can share: served beside it.
        const sharing = await fetch(`${url}/dist/rt-elements-share.js`);
        assert.equal(sharing.status, 200);
        assert.match(sharing.headers.get('content-type') ?? '', /javascript/);
        await sharing.arrayBuffer();
      } finally {
        child.kill('SIGTERM');
      }
    });

    it('says what to install when REDIS_URL is set without the redis package', async () => {
      const failure = await run(join(app, 'node_modules', '.bin', 'rt-gateway'), ['--port', '0'], {
        cwd: app,
        env: { ...process.env, WS_HMAC_SECRET: 'x'.repeat(32), REDIS_URL: 'redis://127.0.0.1:6379', LOG_LEVEL: 'warn' },
      }).then(
        () => assert.fail('rt-gateway started without redis'),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      assert.equal(failure.code, 1);
      const output = failure.stdout + failure.stderr;
      assert.match(output, /npm install redis@\^6/);
      assert.doesNotMatch(output, /\n\s+at /, 'no stack trace');
    });

    it('prints help for its bins', async () => {
      const { stdout } = await run(join(app, 'node_modules', '.bin', 'rt-gateway'), ['--help']);
      assert.match(stdout, /^rt-gateway: runs the Lydian Realtime gateway/);
      for (const tool of ['rt-sign', 'rt-audit', 'rt-admin', 'rt-publish']) {
        const help = await run(join(app, 'node_modules', '.bin', tool), ['--help']);
        assert.match(help.stdout, new RegExp(`^${tool}: `));
      }
    });
  });
});
