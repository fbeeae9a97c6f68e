// The public API is documented: every name a package exports from a public entry point has a
// TSDoc comment, and every function and class has an example in it (`## Example` or
// `@example`), as STYLE.md asks; every property of an exported interface says what it is.
// Read from the built declaration files with the compiler API of TypeScript 5 (the build's
// TypeScript 7 has none), the one the docs tooling (tools/docs) installs for TypeDoc.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as TS from '../../tools/docs/node_modules/typescript/lib/typescript.js';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ts = createRequire(join(ROOT, 'tools', 'docs', 'package.json'))('typescript') as typeof TS;

type Exports = Record<string, string | { types: string; default: string }>;

/** Each public entry point of each package: `@idxflow/sinks/tfjs` -> its .d.ts. Not `./internal`. */
function publicEntries(): Map<string, string> {
  const entries = new Map<string, string>();
  for (const pkg of ['core', 'transforms', 'sinks', 'cli']) {
    const dir = join(ROOT, 'packages', pkg);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; exports: Exports };
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      if (typeof target === 'string' || subpath === './internal') continue;
      entries.set(manifest.name + subpath.slice(1), join(dir, target.types));
    }
  }
  return entries;
}

const entries = publicEntries();
const program = ts.createProgram([...entries.values()], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true, types: ['node'] });
const checker = program.getTypeChecker();

function docOf(symbol: TS.Symbol): string {
  const text = ts.displayPartsToString(symbol.getDocumentationComment(checker));
  const tags = symbol.getJsDocTags(checker).map((tag) => `@${tag.name} ${ts.displayPartsToString(tag.text)}`);
  return [text, ...tags].join('\n').trim();
}

const hasExample = (doc: string): boolean => /## Example|@example/.test(doc);

/** What is missing from the docs of one exported name (empty when nothing). */
function problems(name: string, exported: TS.Symbol): string[] {
  const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
  const doc = docOf(symbol);
  const found: string[] = [];
  if (doc === '') return [`${name}: no doc comment`];
  if (symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class) && !hasExample(doc)) found.push(`${name}: no example (## Example or @example)`);
  if (symbol.flags & ts.SymbolFlags.Interface) {
    for (const member of checker.getDeclaredTypeOfSymbol(symbol).getProperties()) {
      if (docOf(member) === '') found.push(`${name}.${member.getName()}: no doc comment`);
    }
  }
  return found;
}

describe('the public API', () => {
  it('has declaration files for every public entry point', () => {
    expect([...entries.keys()].sort()).toEqual(['@idxflow/cli', '@idxflow/core', '@idxflow/core/errors', '@idxflow/sinks', '@idxflow/sinks/tfjs', '@idxflow/transforms']);
    for (const file of entries.values()) expect(program.getSourceFile(file), file).toBeDefined();
  });

  it.each([...entries])('%s: every exported name has TSDoc, every function and class an example', (_entry, file) => {
    const module = checker.getSymbolAtLocation(program.getSourceFile(file)!);
    const exported = module ? checker.getExportsOfModule(module) : [];
    const missing = exported.flatMap((symbol) => problems(symbol.getName(), symbol));
    expect(missing).toEqual([]);
  });
});
