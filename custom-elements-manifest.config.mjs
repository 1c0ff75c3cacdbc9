/**
 * `custom-elements.json` for editors and Storybook-like tools: `cem analyze` (run by `npm run build` through
 * rollup.config.mjs) reads the element classes, their Lit properties and their JSDoc tags (`@fires`,
 * `@slot`, `@csspart`, `@cssproperty`) and writes the manifest at the package root.
 */
export default {
  globs: ['src/elements/**/*.component.ts', 'src/define/rt-*.ts'],
  exclude: ['**/*.test.ts'],
  outdir: '.',
  litelement: true,
  dev: false,
};
