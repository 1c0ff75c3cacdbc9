/**
 * Turns a document's named code blocks into projects the real checkers compile: one folder per section (what
 * a reader pasting that section gets, plus the `shared` files), and a tsconfig that resolves the packages'
 * public entry points to this checkout's sources, the way an application resolves them once installed.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CodeBlock } from './markdown-blocks.js';

/** A file of a section's project. */
export interface SnippetFile {
  /** Its path inside the section's folder (the block's title). */
  name: string;
  /** The block it comes from. */
  block: CodeBlock;
}

/** The files one section of the document amounts to. */
export interface SnippetGroup {
  /** The section's folder name: `03-react`. */
  dir: string;
  /** The section's heading. */
  section: string;
  /** Its files, the shared ones it does not write itself included. */
  files: SnippetFile[];
}

/** The extension a block of each checked language must carry in its title. */
export const EXTENSIONS: Readonly<Record<string, readonly string[]>> = {
  ts: ['.ts'],
  tsx: ['.tsx'],
  js: ['.js', '.mjs'],
  vue: ['.vue'],
  svelte: ['.svelte'],
  html: ['.html'],
};

/** What a reader could not paste as a file: unnamed or misnamed blocks of a checked language, duplicates. */
export function conventionProblems(blocks: readonly CodeBlock[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const b of blocks) {
    const exts = EXTENSIONS[b.lang];
    if (!exts || b.fragment) continue;
    if (!b.title) problems.push(`line ${b.line}: a ${b.lang} block needs title="file" (or the fragment flag)`);
    else if (!exts.some((e) => b.title?.endsWith(e)))
      problems.push(`line ${b.line}: ${b.title} is not a ${exts.join(' or ')} file`);
    else if (seen.has(`${b.section}\n${b.title}`))
      problems.push(`line ${b.line}: a second ${b.title} in the section "${b.section}"`);
    seen.add(`${b.section}\n${b.title}`);
  }
  return problems;
}

const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40);

/** The document's named code files grouped by section; `html` files are left to the HTML check. */
export function groupBlocks(blocks: readonly CodeBlock[]): SnippetGroup[] {
  const named = blocks.filter((b) => b.title && !b.fragment && EXTENSIONS[b.lang] && b.lang !== 'html');
  const shared = named.filter((b) => b.shared);
  const groups = new Map<string, SnippetGroup>();
  for (const block of named) {
    let group = groups.get(block.section);
    if (!group) {
      group = {
        dir: `${String(groups.size + 1).padStart(2, '0')}-${slug(block.section)}`,
        section: block.section,
        files: [],
      };
      groups.set(block.section, group);
    }
    group.files.push({ name: block.title as string, block });
  }
  for (const group of groups.values())
    for (const block of shared)
      if (!group.files.some((f) => f.name === block.title)) group.files.push({ name: block.title as string, block });
  return [...groups.values()];
}

/** Writes each group's files under `root/<group.dir>/`. */
export function writeGroups(root: string, groups: readonly SnippetGroup[]): void {
  for (const group of groups)
    for (const file of group.files) {
      const target = path.join(root, group.dir, file.name);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, file.block.code);
    }
}

interface PackageJson {
  name: string;
  exports: Record<string, string | { types?: string }>;
}

/**
 * `paths` mapping every entry point with types in `packageDirs`' package.json `exports` to its source: the
 * declaration `./dist/src/adapters/react.d.ts` was built from `src/adapters/react.ts` (both packages build from
 * the repository's root), so `@lydian/realtime/react` compiles against that file.
 * @throws when an entry's source file is missing
 */
export function sourcePaths(repoRoot: string, packageDirs: readonly string[]): Record<string, [string]> {
  const paths: Record<string, [string]> = {};
  for (const dir of packageDirs) {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, dir, 'package.json'), 'utf8')) as PackageJson;
    for (const [key, value] of Object.entries(pkg.exports)) {
      const types = typeof value === 'object' ? value.types : undefined;
      if (!types) continue;
      const source = path.join(repoRoot, types.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts'));
      if (!fs.existsSync(source)) throw new Error(`${pkg.name} ${key}: no source ${source} for ${types}`);
      paths[pkg.name + key.slice(1)] = [source];
    }
  }
  return paths;
}

/**
 * A tsconfig as strict as an application's should be (Vite's template plus `noUncheckedIndexedAccess`), with
 * bundler resolution and the sources in place of the packages. Lit's decorator settings are there only for the
 * element sources the program pulls in.
 */
export function tsconfigFor(paths: Record<string, [string]>, include: readonly string[]): object {
  return {
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      types: ['node'],
      jsx: 'react-jsx',
      strict: true,
      noUncheckedIndexedAccess: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      noFallthroughCasesInSwitch: true,
      verbatimModuleSyntax: true,
      isolatedModules: true,
      allowJs: true,
      checkJs: true,
      skipLibCheck: true,
      noEmit: true,
      experimentalDecorators: true,
      useDefineForClassFields: false,
      paths,
    },
    include,
  };
}
