/**
 * Puts the live-ops dashboard into the gateway package, so that `npx rt-gateway --demo` serves what it
 * advertises: the page (../demo) as `dist/demo/` and the element bundle it loads (with its tab-sharing chunk) (../dist/browser, built by the
 * browser package's `npm run build`) as `dist/browser/`.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';

const copies = [
  ['../demo/index.html', 'dist/demo/index.html'],
  ['../demo/app.js', 'dist/demo/app.js'],
  ['../demo/styles.css', 'dist/demo/styles.css'],
  ['../dist/browser/rt-elements.js', 'dist/browser/rt-elements.js'],
  ['../dist/browser/rt-elements.js.map', 'dist/browser/rt-elements.js.map'],
  // Tab sharing, which the element bundle loads where tabs can share (issue 17).
  ['../dist/browser/rt-elements-share.js', 'dist/browser/rt-elements-share.js'],
  ['../dist/browser/rt-elements-share.js.map', 'dist/browser/rt-elements-share.js.map'],
];

const missing = copies.map(([from]) => from).filter((from) => !existsSync(new URL(from, import.meta.url)));
if (missing.length) {
  console.error(`build-demo: missing ${missing.join(', ')}: run \`npm run build\` at the repository root`);
  process.exit(1);
}
for (const dir of ['dist/demo', 'dist/browser']) mkdirSync(new URL(dir, import.meta.url), { recursive: true });
for (const [from, to] of copies) copyFileSync(new URL(from, import.meta.url), new URL(to, import.meta.url));
