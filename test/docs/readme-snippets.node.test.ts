/**
 * Every example in README.md compiles as a reader pastes it. Code blocks carry their file name
 * (```` ```tsx title="main.tsx" ````); each section's files, plus the `shared` ones, become one folder of a
 * temporary project whose `@lydian/realtime*` imports resolve to this checkout's sources. `vue-tsc` checks the
 * `.ts`, `.tsx`, `.js` and `.vue` files, `svelte-check --fail-on-warnings` the sections with `.svelte` files (both
 * at once), and the plain-HTML example gets a cheap check of its tags, attributes and module scripts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { extractBlocks } from './markdown-blocks.js';
import { exportedNames, htmlProblems, registeredTags, type ElementsManifest } from './html-snippet.js';
import {
  conventionProblems,
  groupBlocks,
  sourcePaths,
  tsconfigFor,
  writeGroups,
  type SnippetGroup,
} from './snippet-project.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = 'README.md';
const BIN = path.join(ROOT, 'node_modules/.bin');

interface Outcome {
  code: number;
  output: string;
}

/** Runs a checker to its end; a non-zero exit is an outcome to assert, not an exception. */
const run = (command: string, args: readonly string[], cwd: string): Promise<Outcome> =>
  new Promise((resolve) => {
    execFile(command, args, { cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
  });

/** Which README line each written file starts at, to read a checker's complaint against the document. */
const legend = (groups: readonly SnippetGroup[]): string =>
  groups
    .flatMap((g) => g.files.map((f) => `  ${g.dir}/${f.name} = ${README} line ${f.block.line} (${g.section})`))
    .join('\n');

describe('README examples', () => {
  const blocks = extractBlocks(fs.readFileSync(path.join(ROOT, README), 'utf8'));
  const groups = groupBlocks(blocks);
  const svelteGroups = groups.filter((g) => g.files.some((f) => f.name.endsWith('.svelte')));
  const tsGroups = groups.filter((g) => !svelteGroups.includes(g));
  let tmp = '';
  let vueTsc: Promise<Outcome>;
  let svelteCheck: Promise<Outcome>;

  before(() => {
    // Outside the repository (no tsconfig or ESLint config of ours applies), with its node_modules linked in.
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-snippets-'));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(tmp, 'node_modules'), 'dir');
    const paths = sourcePaths(ROOT, ['.', 'server']);
    for (const [dir, list, include] of [
      ['ts', tsGroups, ['**/*.ts', '**/*.tsx', '**/*.vue', '**/*.js', '**/*.mjs']],
      ['svelte', svelteGroups, ['**/*.ts', '**/*.svelte']],
    ] as const) {
      writeGroups(path.join(tmp, dir), list);
      fs.writeFileSync(path.join(tmp, dir, 'tsconfig.json'), JSON.stringify(tsconfigFor(paths, include), null, 2));
    }
    // Both checkers at once: each spends most of its time loading the same sources.
    // Run in their project folders, so that they name files as the legend does (`02-react/Dashboard.tsx`).
    vueTsc = run(path.join(BIN, 'vue-tsc'), ['-p', 'tsconfig.json', '--pretty', 'false'], path.join(tmp, 'ts'));
    svelteCheck = run(
      path.join(BIN, 'svelte-check'),
      ['--workspace', '.', '--tsconfig', './tsconfig.json', '--fail-on-warnings', '--output', 'machine'],
      path.join(tmp, 'svelte'),
    );
  });

  after(async () => {
    await Promise.allSettled([vueTsc, svelteCheck]);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('names every TypeScript, JavaScript, Vue, Svelte and HTML block as a file (or marks it a fragment)', () => {
    assert.deepEqual(conventionProblems(blocks), []);
    assert.deepEqual(
      blocks.filter((b) => b.fragment).map((b) => `line ${b.line}`),
      [],
      'fragments cannot be pasted: show whole files',
    );
  });

  it('has examples for the client, React, Vue, Svelte and the gateway', () => {
    const names = groups.flatMap((g) => g.files.map((f) => f.name));
    for (const file of ['realtime.ts', 'Dashboard.tsx', 'App.vue', 'App.svelte', 'server.ts'])
      assert.ok(names.includes(file), `no ${file} block: did the naming convention change?`);
  });

  it('compiles the .ts, .tsx, .js and .vue examples with vue-tsc', async () => {
    const { code, output } = await vueTsc;
    assert.equal(code, 0, `vue-tsc:\n${output}\n\nfiles:\n${legend(tsGroups)}`);
  });

  it('checks the Svelte examples with svelte-check: 0 errors, 0 warnings', async () => {
    const { code, output } = await svelteCheck;
    const problems = output.split('\n').filter((l) => / (ERROR|WARNING) /.test(l));
    assert.equal(code, 0, `svelte-check:\n${problems.join('\n') || output}\n\nfiles:\n${legend(svelteGroups)}`);
    assert.match(output, /COMPLETED \d+ FILES 0 ERRORS 0 WARNINGS/);
  });

  it('uses only registered elements and attributes in the HTML example, whose module scripts load the bundle', () => {
    const html = blocks.filter((b) => b.lang === 'html');
    assert.ok(html.length > 0, 'no html block');
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'custom-elements.json'), 'utf8')) as ElementsManifest;
    const bundle = exportedNames(fs.readFileSync(path.join(ROOT, 'src/define/browser.ts'), 'utf8'));
    for (const b of html)
      assert.deepEqual(
        [...new Set(htmlProblems(b.code, registeredTags(manifest), bundle))],
        [],
        `${README} line ${b.line}, against the tags and attributes custom-elements.json declares`,
      );
  });

  it('has JSON examples that parse', () => {
    for (const b of blocks.filter((x) => x.lang === 'json'))
      assert.doesNotThrow(() => JSON.parse(b.code), `${README} line ${b.line}`);
  });
});
