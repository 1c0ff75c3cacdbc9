/**
 * The SSRF statement of SECURITY.md, kept true: the gateway makes no outbound request except to Redis. Read from
 * the source, the way a reviewer would: the modules a running gateway loads (the import graph of `rt-gateway`,
 * `createGateway` and the module-level API) call no outbound network API outside the Redis engine, and import no
 * package or Node module that makes requests. The package's clients for backends and operators (`createPublisher`,
 * `rt-publish`, `rt-admin`) send requests to the URL their user gives them; the gateway never loads them.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** What a running gateway starts from. */
const ENTRIES = ['server/main.ts', 'server/gateway.ts', 'server/module-api.ts'];
/** The one place allowed to open connections: the Redis engine (through the `redis` package). */
const REDIS_ENGINE = 'server/engines/redis/';

/** Calls and imports that reach out to the network or run something that could. */
const OUTBOUND: readonly [string, RegExp][] = [
  ['fetch', /\bfetch\b/],
  ['http(s).request/get', /\bhttps?\.(request|get)\s*\(/],
  ['request/get/Agent from node:http(s)', /import\s*\{[^}]*\b(request|get|Agent)\b[^}]*\}\s*from\s*'node:https?'/],
  ['net/tls connect', /\b(net|tls)\.(connect|createConnection)\s*\(/],
  ['connect from node:net/tls', /import\s*\{[^}]*\b(connect|createConnection)\b[^}]*\}\s*from\s*'node:(net|tls)'/],
  ['a WebSocket or EventSource client', /\bnew\s+(WebSocket|EventSource)\s*\(/],
  ['XMLHttpRequest', /\bXMLHttpRequest\b/],
  ['node:dgram, dns, http2, child_process', /from\s*'node:(dgram|dns|dns\/promises|http2|child_process)'/],
];

/**
 * Packages a running gateway may import: the WebSocket server, metrics, the Redis client (the engine only), and
 * ajv with ajv-formats, the optional peers that compile a topic's JSON Schema (they fetch nothing: remote `$ref`s
 * would need a `loadSchema` option, which the gateway never sets).
 */
const PACKAGES = new Set(['ws', 'prom-client', 'redis', 'ajv', 'ajv-formats']);

/**
 * The modules that load packages at run time (`createRequire`), and the ones each may load: a require of a name
 * computed at run time could load anything, so every other module is refused one.
 */
const RUNTIME_LOADERS = new Map([['server/contracts/payload-contract.ts', ['ajv', 'ajv-formats']]]);

/** The source without comments (TSDoc examples show `fetch(…)` to a backend's author). */
function code(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('//'))
    .join('\n');
}

/**
 * What a module imports: static imports and re-exports, side-effect imports, dynamic `import('…')`, and a
 * `require('…')` (or a function named like one) with a literal name.
 */
function specifiers(source: string): string[] {
  const statics = source.matchAll(/^\s*(?:import|export)\b[^;=`]*?\bfrom\s*'([^']+)'/gm);
  const bare = source.matchAll(/^\s*import\s*'([^']+)'/gm);
  const dynamic = source.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g);
  const required = source.matchAll(/\b\w*[rR]equire\w*\(\s*'([^']+)'\s*\)/g);
  return [...statics, ...bare, ...dynamic, ...required].map((m) => m[1] as string);
}

/** The package a specifier names (`@scope/name` or `name`), without its subpath. */
function packageOf(specifier: string): string {
  return specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] as string);
}

/** Every module the entries load, with its source: relative imports followed, `.js` read as the `.ts` beside it. */
async function importGraph(): Promise<Map<string, string>> {
  const graph = new Map<string, string>();
  const queue = [...ENTRIES];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (graph.has(file)) continue;
    const source = code(await readFile(join(ROOT, file), 'utf8'));
    graph.set(file, source);
    for (const specifier of specifiers(source)) {
      if (specifier.startsWith('.'))
        queue.push(relative(ROOT, resolve(ROOT, dirname(file), specifier)).replace(/\.js$/, '.ts'));
    }
  }
  return graph;
}

describe('outbound requests (SSRF)', () => {
  it('the gateway loads no module that calls an outbound network API, except the Redis engine', async () => {
    const graph = await importGraph();
    assert.ok(graph.size >= 40, `${graph.size} modules`);
    const found: string[] = [];
    for (const [file, source] of graph) {
      if (file.startsWith(REDIS_ENGINE)) continue;
      for (const [what, pattern] of OUTBOUND) if (pattern.test(source)) found.push(`${file}: ${what}`);
    }
    assert.deepEqual(found, []);
  });

  it('the gateway imports no package that makes requests: ws, prom-client, and redis in the Redis engine only', async () => {
    const found: string[] = [];
    for (const [file, source] of await importGraph()) {
      for (const specifier of specifiers(source)) {
        // Relative modules are in the graph; the dangerous Node modules are in OUTBOUND.
        if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
        const pkg = packageOf(specifier);
        const allowed = pkg === 'redis' ? file.startsWith(REDIS_ENGINE) : PACKAGES.has(pkg);
        if (!allowed) found.push(`${file}: ${specifier}`);
      }
    }
    assert.deepEqual(found, []);
  });

  it('loads packages at run time only where listed, and only the packages listed (ajv for JSON Schema)', async () => {
    const found: string[] = [];
    for (const [file, source] of await importGraph()) {
      if (!/\bcreateRequire\b|\brequire\s*\(/.test(source)) continue;
      const allowed = RUNTIME_LOADERS.get(file);
      if (!allowed) found.push(`${file}: loads modules at run time`);
      // A name computed at run time is picked from package paths spelt out (`'ajv/dist/2020'`): each is listed.
      for (const [, literal] of source.matchAll(/'(@?[a-z][\w.-]*(?:\/[\w.-]+)*\/dist\/[\w./-]+)'/g))
        if (!allowed?.includes(packageOf(literal as string))) found.push(`${file}: ${literal}`);
    }
    assert.deepEqual(found, []);
    for (const [, names] of RUNTIME_LOADERS) for (const name of names) assert.ok(PACKAGES.has(name), name);
  });

  it('the clients for backends and operators are outside the gateway: createPublisher, rt-publish, rt-admin', async () => {
    const graph = await importGraph();
    for (const client of ['server/publish/client.ts', 'server/cli/rt-publish.ts', 'server/cli/rt-admin.ts']) {
      assert.ok(!graph.has(client), `${client} is loaded by the gateway`);
    }
    // And the check sees what it is meant to: the publisher client does call fetch.
    const publisher = code(await readFile(join(ROOT, 'server/publish/client.ts'), 'utf8'));
    assert.ok(OUTBOUND.some(([, pattern]) => pattern.test(publisher)));
  });
});
