import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { root } from '../helpers/bundle-size.js';

/** Classes that are the gateway's insides: a public type that reaches one hands users an internal. */
const INTERNALS = new Set([
  'Hub',
  'GatewayContext',
  'WebSocketEndpoint',
  'SseEndpoint',
  'TopicRegistry',
  'Topic',
  'Session',
  'GatewayMetrics',
  'Heartbeat',
  'FanoutQueue',
  'WriteBatch',
  'PreparedFrame',
]);

/** Marked `@internal`: left out of the published `.d.ts` (`stripInternal` in tsconfig.build.json). */
const isInternal = (symbol: ts.Symbol): boolean => symbol.getJsDocTags().some((tag) => tag.name === 'internal');

/**
 * Every named class, interface or alias a public export's type reaches through its members, call signatures and
 * type arguments, with the path that reached it; members marked `@internal` are not followed.
 */
function reachableTypes(file: string): Map<string, string> {
  const program = ts.createProgram([root + file], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    types: ['node'],
    experimentalDecorators: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(root + file);
  assert.ok(source, file);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  assert.ok(moduleSymbol, file);
  const reached = new Map<string, string>();
  const seen = new Set<ts.Type>();
  const ours = (decl: ts.Declaration | undefined): boolean =>
    !!decl && !decl.getSourceFile().fileName.includes('/node_modules/');

  const visitType = (type: ts.Type, path: string): void => {
    if (seen.has(type)) return;
    seen.add(type);
    const symbol = type.aliasSymbol ?? type.getSymbol();
    const decl = symbol?.declarations?.[0];
    if (symbol && ours(decl) && decl && (ts.isClassDeclaration(decl) || ts.isInterfaceDeclaration(decl))) {
      if (!reached.has(symbol.name)) reached.set(symbol.name, path);
    }
    if (symbol && !ours(decl) && !type.isUnionOrIntersection()) return; // Node, ws, lib types: not ours
    if (type.isUnionOrIntersection()) for (const t of type.types) visitType(t, path);
    for (const t of type.aliasTypeArguments ?? []) visitType(t, path);
    if (type.flags & ts.TypeFlags.Object) {
      for (const t of checker.getTypeArguments(type as ts.TypeReference) ?? []) visitType(t, path);
    }
    for (const signature of [...type.getCallSignatures(), ...type.getConstructSignatures()]) {
      for (const p of signature.getParameters()) visitSymbol(p, `${path}(${p.name})`);
      visitType(signature.getReturnType(), `${path}()`);
    }
    for (const property of type.getProperties()) {
      if (property.name.startsWith('#') || isInternal(property)) continue;
      const d = property.declarations?.[0];
      if (d && ts.getCombinedModifierFlags(d) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
      visitSymbol(property, `${path}.${property.name}`);
    }
  };
  const visitSymbol = (symbol: ts.Symbol, path: string): void => {
    const decl = symbol.valueDeclaration ?? symbol.declarations?.[0];
    if (!decl) return;
    visitType(checker.getTypeOfSymbolAtLocation(symbol, decl), path);
  };

  for (let exported of checker.getExportsOfModule(moduleSymbol)) {
    if (exported.flags & ts.SymbolFlags.Alias) exported = checker.getAliasedSymbol(exported);
    if (exported.flags & ts.SymbolFlags.Value) visitSymbol(exported, exported.name);
    if (exported.flags & ts.SymbolFlags.Type) visitType(checker.getDeclaredTypeOfSymbol(exported), exported.name);
  }
  return reached;
}

describe('the public server types', () => {
  it('reach none of the gateway internals (members marked @internal aside)', () => {
    const reached = reachableTypes('server/index.ts');
    assert.ok(reached.has('GatewayOptions') && reached.has('KeyRing'), 'the walk sees the public types');
    const leaks = [...reached].filter(([name]) => INTERNALS.has(name)).map(([name, path]) => `${name} via ${path}`);
    assert.deepEqual(leaks, []);
  });
});
