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

/**
 * The names that make every capability of the command line a capability of the packages
 * (issue 23: the CLI imports no `/internal` entry, test/cli/publicOnly.test.ts): resumable
 * exports, parts and their merge, manifests, the hf sink, the named datasets and the sources the
 * CLI reads, the errors it catches, the request checks of its servers, the augmentation the
 * explore page and preview run outside a pipeline, and `idxPair`. Each must stay exported from
 * its package's public entry, with TSDoc, and an example when it can be called.
 */
const CLI_CAPABILITIES: Record<string, string[]> = {
  '@idxflow/core': [
    'idxPair', 'IdxInput', 'IdxPairOptions', 'PublishedShape', 'idxFileInfo', 'IdxFileInfo', 'decodeNpy', 'DecodeNpyOptions', 'NpyHeader', 'NpyRecords', 'fromBytes',
    'DATASETS', 'DATASET_CARDS', 'DatasetCard', 'CATALOG', 'datasetEntry', 'CatalogEntry', 'npy', 'npz', 'mnistC', 'mnistCFiles', 'MNIST_C_CORRUPTIONS', 'MnistCOptions', 'parquet', 'parquetClassNames', 'imageFolder', 'imageFolderClasses',
    'DEFAULT_MAX_INFLATE_RATIO', 'MissingPackageError', 'DatasetNotFoundError',
  ],
  '@idxflow/transforms': ['specOf', 'AugmentSpec', 'augmentImages', 'AugmentJob', 'sampleDraws', 'SampleDraws', 'invertAffine', 'Affine'],
  '@idxflow/sinks': [
    'runExport', 'RunExportOptions', 'ExportSection', 'ExportRun', 'ExportInterruptedError', 'ExportBusyError', 'ExportRefusedError', 'EXPORT_FORMATS', 'ExportFormat',
    'partRange', 'ExportPart', 'mergeExportParts', 'MergeOptions', 'MergeResult', 'joinParts', 'removeParts', 'PartJoinError',
    'mergeManifests', 'readManifest', 'manifestName', 'writeManifestFile', 'writeManifest', 'ManifestError', 'Manifest', 'ManifestExtra', 'PartRecord',
    'toHfParquet', 'HfParquetOptions', 'hfDatasetCard', 'HfCardInfo', 'HfExportOptions', 'refuseOutputAmongInputs', 'writeOutputFile', 'OutputFileOptions',
    'hostNamesOf', 'hostProblem', 'originProblem', 'requestTarget', 'tokenDigest', 'tokenProblem', 'isLoopback', 'HostNames',
  ],
};

/** Whether `symbol` can be called or constructed: a function, a class, or a constant holding a function. */
function callable(symbol: TS.Symbol): boolean {
  if (symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class)) return true;
  if (!(symbol.flags & ts.SymbolFlags.Variable) || !symbol.valueDeclaration) return false;
  return checker.getTypeOfSymbolAtLocation(symbol, symbol.valueDeclaration).getCallSignatures().length > 0;
}

/** The exports of a public entry point, by name. */
function exportsOf(entry: string): Map<string, TS.Symbol> {
  const module = checker.getSymbolAtLocation(program.getSourceFile(entries.get(entry)!)!);
  return new Map((module ? checker.getExportsOfModule(module) : []).map((symbol) => [symbol.getName(), symbol]));
}

describe('the public API', () => {
  it('has declaration files for every public entry point', () => {
    expect([...entries.keys()].sort()).toEqual(['@idxflow/cli', '@idxflow/core', '@idxflow/core/errors', '@idxflow/sinks', '@idxflow/sinks/tfjs', '@idxflow/transforms']);
    for (const file of entries.values()) expect(program.getSourceFile(file), file).toBeDefined();
  });

  it.each(Object.entries(CLI_CAPABILITIES))("%s: exports what the CLI uses, each name with TSDoc and, when callable, an example", (entry, names) => {
    const exported = exportsOf(entry);
    expect(names.filter((name) => !exported.has(name)).map((name) => `${name}: not exported from ${entry}`)).toEqual([]);
    const missing = names.flatMap((name) => {
      const alias = exported.get(name)!;
      const symbol = alias.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(alias) : alias;
      // problems() asks functions and classes for an example; a constant holding a function is asked here.
      const constant = callable(symbol) && !(symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class));
      return [...problems(name, alias), ...(constant && !hasExample(docOf(symbol)) ? [`${name}: a function, and no example (## Example or @example)`] : [])];
    });
    expect(missing).toEqual([]);
  });

  it.each([...entries])('%s: every exported name has TSDoc, every function and class an example', (_entry, file) => {
    const module = checker.getSymbolAtLocation(program.getSourceFile(file)!);
    const exported = module ? checker.getExportsOfModule(module) : [];
    const missing = exported.flatMap((symbol) => problems(symbol.getName(), symbol));
    expect(missing).toEqual([]);
  });
});
