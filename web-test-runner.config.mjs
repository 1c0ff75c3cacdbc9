/**
 * Browser tests in headless Chromium: unit tests of the core (mock-socket, fake clock) and integration tests
 * against real gateways started by the gateway plugin (test/helpers/gateway-plugin.mjs).
 */
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { gatewayPlugin } from './test/helpers/gateway-plugin.mjs';
import { frameworksPlugin } from './test/adapters/frameworks-plugin.mjs';
import { elementsPlugin } from './test/e2e/elements-plugin.mjs';

export default {
  files: [
    'test/core/**/*.test.ts',
    'test/transports/**/*.test.ts',
    'test/integration/**/*.test.ts',
    'test/controllers/**/*.test.ts',
    'test/elements/**/*.test.ts',
    'test/e2e/**/*.test.ts',
    'test/adapters/**/*.test.{ts,tsx}',
    '!test/**/*.node.test.ts',
  ],
  nodeResolve: true,
  concurrency: 2,
  filterBrowserLogs: ({ args }) => !String(args[0]).includes('Lit is in dev mode'),
  testFramework: { config: { timeout: 10_000 } },
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
    esbuildPlugin({ ts: true, target: 'es2022' }),
    gatewayPlugin(),
    frameworksPlugin(), // React/Vue/Svelte for the adapter tests (test/adapters/)
    elementsPlugin(), // legacy decorators for the elements, the demo bundle and a restartable gateway (test/e2e/)
  ],
};
