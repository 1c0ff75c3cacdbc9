/**
 * ESLint (flat config) for the whole repository: the SDK (`src/`), the gateway (`server/`), tests, demo, bench
 * and the config files. Formatting is Prettier's job (`.prettierrc.json`): `eslint-config-prettier` comes last
 * so no rule here fights it. Import boundaries are dependency-cruiser's job (`.dependency-cruiser.cjs`).
 *
 * No type-aware rules: measured here they take the run from ~13 s to ~46 s, and the strict tsconfig already
 * catches most of what they would.
 */
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Raw WebSocket close codes (RFC 6455 and our 4xxx range) used as the first argument or compared to a code. */
const closeCodeMessage =
  'Use CloseCode from src/protocol instead of a bare close-code number: one table, so client and gateway agree.';
const inCloseRange = (path) => `[${path}.type='Literal'][${path}.value>=1000][${path}.value<=4999]`;
const bareCloseCodes = [
  // ws.close(4401, …), socket.terminate(1006), onClose(1002, …), closeWith(1013)
  `CallExpression[callee.name=/close$/i]${inCloseRange('arguments.0')}`,
  `CallExpression[callee.property.name=/(close|terminate)$/i]${inCloseRange('arguments.0')}`,
  // end([1006, 'sse_error']): the SSE transport reports a close as [code, reason]
  `CallExpression[callee.name='end'][arguments.0.type='ArrayExpression']${inCloseRange('arguments.0.elements.0')}`,
  `CallExpression[callee.property.name='end'][arguments.0.type='ArrayExpression']${inCloseRange('arguments.0.elements.0')}`,
  // code === 1006, event.code !== 4401
  `BinaryExpression[operator=/^[!=]==?$/][left.name=/code$/i]${inCloseRange('right')}`,
  `BinaryExpression[operator=/^[!=]==?$/][left.property.name=/code$/i]${inCloseRange('right')}`,
  `BinaryExpression[operator=/^[!=]==?$/][right.name=/code$/i]${inCloseRange('left')}`,
  `BinaryExpression[operator=/^[!=]==?$/][right.property.name=/code$/i]${inCloseRange('left')}`,
].map((selector) => ({ selector, message: closeCodeMessage }));

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '**/dist/',
      'coverage/',
      'bench/results/',
      'bench/charts/',
      'demo/frameworks/*/*.bundle.js',
      'custom-elements.json',
    ],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.jsx', '**/*.tsx'],
    languageOptions: { parserOptions: { ecmaFeatures: { jsx: true } } },
  },
  {
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-var': 'error',
      'prefer-const': ['error', { destructuring: 'all' }],
      'no-self-compare': 'error',
      'no-template-curly-in-string': 'error',
      // `catch {}` says "ignore this failure" deliberately (a process already gone, a socket already closed).
      'no-empty': ['error', { allowEmptyCatch: true }],
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      'no-unused-vars': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // verbatimModuleSyntax keeps every import as written: say which ones are types, once, at the top.
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'separate-type-imports', disallowTypeAnnotations: false },
      ],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  // The SDK runs in browsers (and in Node for SSR); the gateway, bench and config files run in Node.
  {
    files: ['src/**', 'demo/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['server/**', 'bench/**', '*.{js,mjs,cjs}', 'demo/frameworks/serve.mjs', 'test/**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['.dependency-cruiser.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
  },
  {
    files: ['src/**/*.ts', 'server/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', ...bareCloseCodes],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // The wire protocol is shared by browsers and the gateway: no DOM-only and no Node-only global.
    files: ['src/protocol/**'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...[
          ...['window', 'self', 'document', 'navigator', 'location', 'localStorage', 'sessionStorage'],
          ...['customElements', 'HTMLElement', 'Element', 'EventSource', 'WebSocket', 'XMLHttpRequest'],
          ...['process', 'Buffer', 'require', 'module', '__dirname', '__filename', 'global', 'setImmediate'],
        ].map((name) => ({
          name,
          message: `src/protocol runs in browsers and Node alike: no ${name}. Keep it to what both provide.`,
        })),
      ],
    },
  },
  {
    // The gateway's CLIs, demo publisher and logger write to the console on purpose.
    files: ['server/cli/**', 'server/main.ts', 'server/**/log.ts', 'src/core/logger.ts'],
    rules: { 'no-console': 'off' },
  },
  // Tests: idioms that the rules above would fight.
  {
    files: ['test/**'],
    languageOptions: { globals: { ...globals.browser, ...globals.node, ...globals.mocha } },
    rules: {
      // Assertions read a value the test just made: `el.shadowRoot!`, `frames[0]!`.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // chai's property assertions: `expect(x).to.be.true`.
      '@typescript-eslint/no-unused-expressions': 'off',
      // Doubles implement just enough of an interface; an empty arrow is a deliberate no-op listener.
      '@typescript-eslint/no-empty-function': 'off',
      // Test names quote the strings they check: 'signs `${ts}.${nonce}…`'.
      'no-template-curly-in-string': 'off',
    },
  },
  {
    // The seed's React examples, kept verbatim as the adapters' acceptance test: `useRealtimeMulti<any>` included.
    files: ['test/adapters/seed-examples.tsx'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Type tests: a value declared only to check its type, an assignment that must not compile.
    files: ['test/**/*.typecheck.ts'],
    rules: { '@typescript-eslint/no-unused-vars': 'off', 'no-self-assign': 'off' },
  },
  prettier,
);
