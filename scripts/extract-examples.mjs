#!/usr/bin/env node
// Every example the project shows, as one TypeScript file each, for `tsc` to check in a project
// that installed the packages (scripts/consumer-check.sh):
//
//   - each ```ts block of a TSDoc comment in packages/*/src (the `## Example` sections);
//   - each ```ts block of README.md and docs/**/*.md.
//
//   node scripts/extract-examples.mjs OUT_DIR [--names-from PROJECT_DIR]
//
// A TSDoc example is shown on the page of the name it documents, so it may leave out the imports
// of idxflow's public names and rxjs' (`batch(128)` on batch's page): with --names-from, every
// name it uses without declaring or importing it, and that a package's main entry or rxjs
// exports (read by TypeScript from PROJECT_DIR's installed packages), is imported from the first
// entry that has it, its own package's first. A subpath (`@idxflow/sinks/tfjs`) is imported by
// the example itself, since a reader could not guess it; so is any other module, and anything
// else it uses is declared in it (`declare const req: IncomingMessage;` for what a caller has).
// The `/internal` entries are open only to the examples of names that no public entry exports. A README or
// docs block is a whole program, imports included, as a reader copies it.
//
// A block that is deliberately a fragment is marked ```ts fragment and skipped; so is (with
// --names-from) the TSDoc example of a name that no entry exports, public or internal, which no
// code outside its package can call. The skipped blocks are listed at the end of the output, and
// should stay few.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outDir = args[0] && !args[0].startsWith('--') ? resolve(args[0]) : fail('usage: extract-examples.mjs OUT_DIR [--names-from PROJECT_DIR]');
const namesFrom = args.includes('--names-from') ? resolve(args[args.indexOf('--names-from') + 1]) : undefined;
const ts = createRequire(join(root, 'tools', 'docs', 'package.json'))('typescript');

/** The public entry points, in the order a name is looked for; a package's own come first. */
const ENTRIES = ['@idxflow/core', '@idxflow/transforms', '@idxflow/sinks', 'rxjs'];
/** The plumbing between our packages: only an example of a name that no public entry exports may use it. */
const INTERNAL = ['@idxflow/core/internal', '@idxflow/transforms/internal', '@idxflow/sinks/internal'];
/** Public entries whose names an example imports itself. */
const SUBPATHS = ['@idxflow/sinks/tfjs'];

function fail(message) {
  console.error(`extract-examples: ${message}`);
  process.exit(2);
}

function walk(dir, keep) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'api' ? [] : walk(path, keep);
    return keep(entry.name) ? [path] : [];
  });
}

/** The ```ts blocks of Markdown text, each with the line its code starts on and its info string. */
function codeBlocks(lines, firstLine) {
  const blocks = [];
  let open;
  lines.forEach((line, i) => {
    const fence = /^\s*```(.*)$/.exec(line);
    if (!open && fence) open = { info: fence[1].trim(), line: firstLine + i + 1, code: [] };
    else if (open && fence) {
      if (/^(ts|typescript)\b/.test(open.info)) blocks.push({ ...open, code: open.code.join('\n') });
      open = undefined;
    } else if (open) open.code.push(line);
  });
  return blocks;
}

/**
 * The ```ts blocks inside the `/** ... *\/` comments of a TypeScript source, each with the name
 * of the declaration the comment documents (a class's member: the class).
 */
function tsdocBlocks(text) {
  const blocks = [];
  for (const match of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const startLine = text.slice(0, match.index).split('\n').length;
    const lines = match[0].split('\n').map((line) => line.replace(/^\s*\/?\*\*?\/? ?/, '').replace(/\s*\*\/$/, ''));
    const after = text.slice(match.index + match[0].length);
    const own = /^\s*export\s+(?:declare\s+)?(?:default\s+)?(?:abstract\s+)?(?:async\s+)?(?:function\*?|class|const|let|interface|type|enum)\s+([A-Za-z_$][\w$]*)/.exec(after);
    const enclosing = [...text.slice(0, match.index).matchAll(/^export\s+(?:abstract\s+)?class\s+([A-Za-z_$][\w$]*)/gm)].pop();
    const documented = own?.[1] ?? enclosing?.[1] ?? '';
    blocks.push(...codeBlocks(lines, startLine - 1).map((block) => ({ ...block, documented })));
  }
  return blocks;
}

/** Names a piece of code uses and names it declares or imports itself. */
function namesOf(code) {
  const source = ts.createSourceFile('example.ts', code, ts.ScriptTarget.ES2022, true);
  const used = new Set();
  const declared = new Set();
  const visit = (node) => {
    if (ts.isIdentifier(node)) {
      const parent = node.parent;
      const isDeclaration = parent && 'name' in parent && parent.name === node && (ts.isVariableDeclaration(parent) || ts.isFunctionDeclaration(parent) || ts.isClassDeclaration(parent) || ts.isParameter(parent) || ts.isBindingElement(parent) || ts.isImportSpecifier(parent) || ts.isNamespaceImport(parent) || ts.isImportClause(parent) || ts.isInterfaceDeclaration(parent) || ts.isTypeAliasDeclaration(parent) || ts.isEnumDeclaration(parent));
      const isMember = parent && ((ts.isPropertyAccessExpression(parent) && parent.name === node) || (ts.isPropertyAssignment(parent) && parent.name === node) || (ts.isQualifiedName(parent) && parent.right === node) || ((ts.isMethodDeclaration(parent) || ts.isPropertySignature(parent) || ts.isPropertyDeclaration(parent)) && parent.name === node));
      if (isDeclaration) declared.add(node.text);
      else if (!isMember) used.add(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { used, declared };
}

/** What each public entry exports, as TypeScript resolves it from PROJECT_DIR. */
function exportedNames(projectDir) {
  const probe = join(projectDir, '__entries.ts');
  writeFileSync(probe, [...ENTRIES, ...SUBPATHS, ...INTERNAL].map((entry, i) => `import * as e${i} from '${entry}';`).join('\n') + '\nexport {};\n');
  try {
    const options = { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, types: ['node'], noEmit: true };
    const program = ts.createProgram([probe], options);
    const checker = program.getTypeChecker();
    const names = new Map();
    for (const statement of program.getSourceFile(probe).statements.filter((s) => ts.isImportDeclaration(s))) {
      const entry = statement.moduleSpecifier.text;
      const symbol = checker.getSymbolAtLocation(statement.moduleSpecifier);
      names.set(entry, new Set(symbol ? checker.getExportsOfModule(symbol).map((s) => s.name) : []));
    }
    return names;
  } finally {
    rmSync(probe, { force: true });
  }
}

/**
 * The import lines a TSDoc example of package `own` needs for the names it uses: public names,
 * and the internal entries' too when the name it documents (`documented`) is not public.
 */
function imports(code, own, documented, names) {
  const { used, declared } = namesOf(code);
  const isPublic = [...ENTRIES, ...SUBPATHS].some((e) => names.get(e)?.has(documented));
  const order = [...ENTRIES.filter((e) => e === own), ...ENTRIES.filter((e) => e !== own), ...(isPublic ? [] : INTERNAL)];
  const wanted = new Map();
  for (const name of used) {
    if (declared.has(name)) continue;
    const entry = order.find((e) => names.get(e)?.has(name));
    if (entry) wanted.set(entry, [...(wanted.get(entry) ?? []), name]);
  }
  return [...wanted].map(([entry, list]) => `import { ${list.sort().join(', ')} } from '${entry}';`);
}

const names = namesFrom ? exportedNames(namesFrom) : undefined;
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const written = [];
const fragments = [];
const unexported = [];
const emit = (source, block, prelude) => {
  const name = `${relative(root, source).replace(/[/.]/g, '_')}_L${block.line}.ts`;
  const header = `// ${relative(root, source)}:${block.line}`;
  writeFileSync(join(outDir, name), [header, ...prelude, block.code, 'export {};', ''].join('\n'));
  written.push(name);
};

for (const file of walk(join(root, 'packages'), (n) => n.endsWith('.ts') && !n.endsWith('.d.ts')).filter((f) => f.includes('/src/')).sort()) {
  const pkg = relative(join(root, 'packages'), file).split('/')[0];
  const own = `@idxflow/${pkg}`;
  for (const block of tsdocBlocks(readFileSync(file, 'utf8'))) {
    if (/\bfragment\b/.test(block.info)) fragments.push(`${relative(root, file)}:${block.line}`);
    else if (names && ![...names.values()].some((set) => set.has(block.documented))) unexported.push(`${relative(root, file)}:${block.line} (${block.documented || '?'})`);
    else emit(file, block, names ? imports(block.code, own, block.documented, names) : []);
  }
}
const markdown = [join(root, 'README.md'), ...walk(join(root, 'docs'), (n) => n.endsWith('.md'))].sort();
for (const file of markdown) {
  for (const block of codeBlocks(readFileSync(file, 'utf8').split('\n'), 0)) {
    if (/\bfragment\b/.test(block.info)) fragments.push(`${relative(root, file)}:${block.line}`);
    else emit(file, block, []);
  }
}
console.log(`${written.length} examples written to ${outDir}`);
if (fragments.length) console.log(`fragments, not checked: ${fragments.join(', ')}`);
if (unexported.length) console.log(`examples of names no entry exports, not checked: ${unexported.join(', ')}`);
