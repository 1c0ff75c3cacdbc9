/**
 * A cheap check of a plain-HTML example: its `rt-*` tags and their attributes are ones the elements register
 * (read from `custom-elements.json`), its module scripts parse, and they load the browser bundle and import
 * only names the bundle exports.
 */
import ts from 'typescript';

/** The part of `custom-elements.json` this check reads. */
export interface ElementsManifest {
  modules: { declarations?: { tagName?: string; attributes?: { name: string }[] }[] }[];
}

/** Attributes every HTML element takes. */
const GLOBAL = /^(id|class|style|slot|hidden|title|lang|dir|tabindex|part|exportparts|inert|role|aria-.+|data-.+)$/;
/** Where a page without a build step loads the bundle from: any host, this package's browser build. */
const BUNDLE = /^https?:\/\/\S+\/@lydian\/realtime(@[^/]+)?\/dist\/browser\/rt-elements\.js$/;

/** Tag → attributes the manifest declares. */
export function registeredTags(manifest: ElementsManifest): Map<string, Set<string>> {
  const tags = new Map<string, Set<string>>();
  for (const m of manifest.modules)
    for (const d of m.declarations ?? [])
      if (d.tagName) tags.set(d.tagName, new Set((d.attributes ?? []).map((a) => a.name)));
  return tags;
}

/** The names a module exports (`export { a, b as c }`, `export const d`, `export function e`). */
export function exportedNames(source: string): Set<string> {
  const file = ts.createSourceFile('entry.ts', source, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const names = new Set<string>();
  for (const s of file.statements) {
    if (ts.isExportDeclaration(s) && s.exportClause && ts.isNamedExports(s.exportClause))
      for (const e of s.exportClause.elements) names.add(e.name.text);
    const exported = ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (exported && (ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name) names.add(s.name.text);
    if (exported && ts.isVariableStatement(s))
      for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name)) names.add(d.name.text);
  }
  return names;
}

/**
 * What is wrong with `html` as a page a reader pastes.
 * @param tags - from {@link registeredTags}
 * @param bundleExports - the names the browser bundle's entry exports
 */
export function htmlProblems(html: string, tags: Map<string, Set<string>>, bundleExports: Set<string>): string[] {
  const problems: string[] = [];
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  for (const [, attrs = '', body = ''] of scripts) {
    if (!/\btype="module"/.test(attrs)) problems.push('a <script> without type="module"');
    const src = /\bsrc="([^"]*)"/.exec(attrs)?.[1];
    if (src !== undefined && !BUNDLE.test(src)) problems.push(`<script src="${src}"> is not the browser bundle`);
    if (!body.trim()) continue;
    const out = ts.transpileModule(body, { fileName: 'page.js', reportDiagnostics: true });
    for (const d of out.diagnostics ?? [])
      problems.push(`module script: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
    const file = ts.createSourceFile('page.js', body, ts.ScriptTarget.ES2022, false, ts.ScriptKind.JS);
    for (const s of file.statements) {
      if (!ts.isImportDeclaration(s) || !ts.isStringLiteral(s.moduleSpecifier)) continue;
      const from = s.moduleSpecifier.text;
      if (!BUNDLE.test(from)) problems.push(`module script imports ${from}, not the browser bundle`);
      const named = s.importClause?.namedBindings;
      if (named && ts.isNamedImports(named))
        for (const e of named.elements) {
          const name = (e.propertyName ?? e.name).text;
          if (!bundleExports.has(name))
            problems.push(`module script imports ${name}, which the bundle does not export`);
        }
    }
  }
  const markup = html.replace(/<script\b[\s\S]*?<\/script>/g, '');
  for (const [, tag = '', attrs = ''] of markup.matchAll(/<(rt-[a-z0-9-]+)((?:\s[^>]*)?)>/g)) {
    const known = tags.get(tag);
    if (!known) {
      problems.push(`<${tag}> is not a registered element`);
      continue;
    }
    for (const [, name = ''] of attrs.matchAll(/([^\s=/]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?/g))
      if (!known.has(name) && !GLOBAL.test(name)) problems.push(`<${tag}> has no attribute ${name}`);
  }
  return problems;
}
