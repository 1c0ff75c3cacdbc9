/**
 * A web-test-runner plugin for the element, controller and end-to-end tests:
 *
 * - Compiles the TypeScript of `src/{controllers,elements,define}` and `test/{controllers,elements,e2e}` with
 *   the repository's class-field settings (`useDefineForClassFields: false`, so a field with a default goes
 *   through Lit's accessor; `experimentalDecorators` for the decorators some tests still use). The shared esbuild
 *   plugin is given no tsconfig, so on its own it would define fields over Lit's accessors. (Passing
 *   `tsconfig: 'tsconfig.json'` to `esbuildPlugin` would make this part unnecessary.)
 * - Serves `/dist/rt-elements.js`, the bundle `demo/index.html` loads, from `src/define/browser.ts`, so the
 *   end-to-end test runs the demo page without a build.
 * - Server commands for a demo-mode gateway that can be stopped and started again on the same port:
 *
 * | command | payload | does |
 * |---|---|---|
 * | `demo-gw:start` | `{ port? }` | starts a gateway (demo mode: ticket endpoint, CORS); returns `{ url, port }` |
 * | `demo-gw:stop` | `{ port }` | stops it (clients see 1012, then nothing answers) |
 * | `demo-gw:fanout` | `{ port, topic, data }` | publishes; returns `{ sent, dropped }` |
 */
import { readFile } from 'node:fs/promises';
import { transform } from 'esbuild';
import { getRequestFilePath } from '@web/dev-server-core';
import { tsImport } from 'tsx/esm/api';

const OURS = /^\/(src\/(controllers|elements|define)|test\/(controllers|elements|e2e))\/.*\.ts$/;
const TSCONFIG = JSON.stringify({
  compilerOptions: { experimentalDecorators: true, useDefineForClassFields: false, verbatimModuleSyntax: true },
});

/** @returns {import('@web/test-runner').TestRunnerPlugin} */
export function elementsPlugin() {
  let rootDir = process.cwd();
  let createGateway;
  /** port → gateway */
  const running = new Map();

  return {
    name: 'lydian-elements',
    async serverStart({ config }) {
      rootDir = config.rootDir;
      ({ createGateway } = await tsImport('../../server/index.ts', import.meta.url));
    },
    async serverStop() {
      await Promise.all([...running.values()].map((gw) => gw.close()));
      running.clear();
    },
    async serve(context) {
      if (context.path === '/dist/rt-elements.js') {
        return { body: "export * from '/src/define/browser.ts';", type: 'js' };
      }
      if (!OURS.test(context.path)) return undefined;
      const file = getRequestFilePath(context.url, rootDir);
      const { code } = await transform(await readFile(file, 'utf8'), {
        loader: 'ts',
        target: 'es2022',
        sourcemap: 'inline',
        sourcefile: file,
        tsconfigRaw: TSCONFIG,
      });
      return { body: code, type: 'js' };
    },
    async executeCommand({ command, payload }) {
      if (!command.startsWith('demo-gw:')) return undefined;
      switch (command) {
        case 'demo-gw:start': {
          const gw = await createGateway({
            secret: 'e2e-secret',
            port: payload?.port ?? 0,
            host: '127.0.0.1',
            demo: true,
            logLevel: 'silent',
          });
          running.set(gw.port, gw);
          return { url: gw.url, port: gw.port };
        }
        case 'demo-gw:stop': {
          const gw = running.get(payload.port);
          running.delete(payload.port);
          await gw?.close();
          return true;
        }
        case 'demo-gw:fanout':
          return await running.get(payload.port).fanout(payload.topic, payload.data);
        default:
          return undefined;
      }
    },
  };
}
