/**
 * Import rules (dependency-cruiser), run by `npm run lint:imports`. They keep the layout of STYLE.md true:
 * imports flow one way, elements → controllers → core → transports → protocol, adapters → core; the gateway
 * takes only the protocol from `src/`; no module imports itself back through a cycle.
 * Type-only imports count: a type drags its module's assumptions along with it.
 */

/** Packages that need a DOM renderer or a UI framework. */
const UI_PACKAGES = '(^|/)node_modules/(lit|lit-html|lit-element|@lit|@lit-labs|react|react-dom|vue|@vue|svelte)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'sdk-not-to-gateway',
      comment: 'src/ ships to browsers: it never imports the gateway (server/), which is Node-only and private to it.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^server/' },
    },
    {
      name: 'gateway-only-protocol-from-sdk',
      comment:
        'The gateway shares only the wire protocol with the client (src/protocol), so that a client refactor ' +
        'cannot change the gateway, and the two cannot drift apart on frames, tickets or close codes.',
      severity: 'error',
      from: { path: '^server/' },
      to: { path: '^src/', pathNot: '^src/protocol/' },
    },
    {
      name: 'protocol-self-contained',
      comment:
        'src/protocol is the contract shared by client and gateway: it imports nothing of ours outside itself, ' +
        'no package and no Node built-in, so it runs unchanged in a browser, a worker and Node.',
      severity: 'error',
      from: { path: '^src/protocol/' },
      to: { pathNot: '^src/protocol/' },
    },
    {
      name: 'ui-not-to-transports',
      comment:
        'Elements, controllers and adapters talk to a client (src/core), never to a transport: the client owns ' +
        'the connection, fallback and reconnects, and a transport can change without touching the UI.',
      severity: 'error',
      from: { path: '^src/(elements|controllers|adapters)/' },
      to: { path: '^src/transports/' },
    },
    {
      name: 'core-no-ui',
      comment:
        'src/core is framework-free (plain TypeScript, any page, any framework, SSR): it imports no lit, no ' +
        'React/Vue/Svelte, and nothing from elements, controllers, adapters or define, which sit on top of it.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: [UI_PACKAGES, '^src/(elements|controllers|adapters|define)/'] },
    },
    {
      name: 'core-no-node',
      comment: 'src/core runs in browsers: no Node built-in (node:crypto, node:events…); Web APIs only.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'transports-only-protocol',
      comment:
        'A transport (WebSocket, SSE) moves frames and reports closes; it knows the wire format (src/protocol) ' +
        'and nothing of the client above it, so the client can be rewritten without touching a transport.',
      severity: 'error',
      from: { path: '^src/transports/' },
      to: { path: '^src/', pathNot: '^src/(transports|protocol)/' },
    },
    {
      name: 'controllers-below-elements',
      comment:
        'Imports flow one way: elements → controllers → core. A controller never imports an element, a define ' +
        'entry or an adapter (they are built on it).',
      severity: 'error',
      from: { path: '^src/controllers/' },
      to: { path: '^src/(elements|define|adapters)/' },
    },
    {
      name: 'elements-not-to-entries',
      comment:
        'Element classes do not register themselves (src/define does) and know no framework adapter: importing ' +
        'an element must have no side effect.',
      severity: 'error',
      from: { path: '^src/elements/' },
      to: { path: '^src/(define|adapters)/' },
    },
    {
      name: 'adapters-on-core',
      comment:
        'Framework adapters are thin layers over the client (src/core): no Lit element, controller or define ' +
        'entry, so a React/Vue/Svelte app does not load Lit.',
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: { path: ['^src/(elements|controllers|define)/', '(^|/)node_modules/(lit|lit-html|lit-element|@lit)/'] },
    },
    {
      name: 'no-circular',
      comment:
        'No import cycles in src/ and server/: a cycle makes load order matter, hides which module owns what, ' +
        'and cannot be split into folders by concern.',
      severity: 'error',
      from: { path: '^(src|server)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
