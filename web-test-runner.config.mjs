/**
 * Browser tests in headless Chromium: unit tests of the core (mock-socket, fake clock) and integration tests
 * against real gateways started by the gateway plugin (test/helpers/gateway-plugin.mjs).
 */
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { defaultReporter } from '@web/test-runner';
import { chromeLauncher } from '@web/test-runner-chrome';
import { gatewayPlugin } from './test/helpers/gateway-plugin.mjs';
import { frameworksPlugin } from './test/adapters/frameworks-plugin.mjs';
import { elementsPlugin } from './test/e2e/elements-plugin.mjs';

/**
 * A `*.node.test.ts` matched by a glob on the command line (which replaces `files` above, its `!` included) is a
 * Node test: the browser gets a skipped test that says where it runs, instead of an import error.
 */
const nodeTestsSkipped = {
  name: 'node-tests-skipped',
  serve: ({ path }) =>
    path.endsWith('.node.test.ts')
      ? `it.skip(${JSON.stringify(`${path.slice(1)} runs under node --test (npm run test:node)`)}, () => {});`
      : undefined,
};

/**
 * On a terminal, the live progress bar; in a log (CI, a pipe), the summary once at the end instead of a bar every
 * 10 s. Failures and browser logs are reported per file either way.
 */
function reporter() {
  const base = defaultReporter();
  if (process.stdout.isTTY) return base;
  return {
    ...base,
    getTestProgress: (args) =>
      args.sessions.every((session) => session.status === 'FINISHED') ? base.getTestProgress(args) : [],
  };
}

export default {
  files: [
    'test/core/**/*.test.ts',
    'test/transports/**/*.test.ts',
    'test/integration/**/*.test.ts',
    'test/controllers/**/*.test.ts',
    'test/elements/**/*.test.ts',
    'test/e2e/**/*.test.ts',
    'test/adapters/**/*.test.{ts,tsx}',
    'test/share/**/*.test.ts',
    '!test/**/*.node.test.ts',
  ],
  nodeResolve: true,
  concurrency: 2,
  filterBrowserLogs: ({ args }) => !String(args[0]).includes('Lit is in dev mode'),
  testFramework: { config: { timeout: 10_000 } },
  reporters: [reporter()],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
        args: [
          '--no-sandbox',
          '--headless',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      },
    }),
  ],
  plugins: [
    {
      // mock-socket's `main` is UMD: serve its ES module build instead.
      name: 'mock-socket-esm',
      resolveImport: ({ source }) =>
        source === 'mock-socket' ? '/node_modules/mock-socket/dist/mock-socket.es.mjs' : undefined,
    },
    nodeTestsSkipped,
    esbuildPlugin({ ts: true, target: 'es2022' }),
    gatewayPlugin(),
    frameworksPlugin(), // React/Vue/Svelte for the adapter tests (test/adapters/)
    elementsPlugin(), // legacy decorators for the elements, the demo bundle and a restartable gateway (test/e2e/)
  ],
};
