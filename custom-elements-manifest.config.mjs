/**
 * `custom-elements.json` for editors and Storybook-like tools: `cem analyze` (run by `npm run build` through
 * rollup.config.mjs) reads the element classes, their Lit properties and their JSDoc tags (`@fires`,
 * `@slot`, `@csspart`, `@cssproperty`) and writes the manifest at the package root. The shared base class
 * (`TopicElement`) is read too, so that the attributes it gives `<rt-topic>` and `<rt-sparkline>` are listed.
 */
export default {
  globs: ['src/elements/**/*.component.ts', 'src/elements/shared/topic-element.ts', 'src/define/rt-*.ts'],
  exclude: ['**/*.test.ts'],
  outdir: '.',
  litelement: true,
  dev: false,
  plugins: [
    {
      // The globs list files in the order the file system gives: sorted, the manifest is the same on every
      // machine, and a build leaves the committed file as it is.
      name: 'sort-modules',
      packageLinkPhase({ customElementsManifest }) {
        customElementsManifest.modules.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      },
    },
  ],
};
