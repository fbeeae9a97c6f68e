#!/usr/bin/env node
// Bundles a library package's compiled modules (dist/, after `tsc -b`) into dist/bundle/, the
// files its package.json exports to Node. Unbundled, `import('@idxflow/core')` loaded 68 of
// core's modules one by one, and Node's ES module loader spends about as long on each small
// module (resolving, reading, compiling, linking) as on a large one: bundled, the same code is
// a few files, and `import('@idxflow/core')` takes some 30 ms less (docs/benchmarks.md, start-up).
//
// - Each export with an "idxflow-modules" condition (the compiled module: `tsc -b`'s output, which
//   the CLI's bundler and the declarations start from) becomes an entry of one build, bundled to the
//   file its "default" names. The entries share chunks (code splitting), so a module reached
//   from two entries ('@idxflow/core' and '@idxflow/core/internal') is evaluated once: one class,
//   one cache, as unbundled.
// - A dynamic `import()` (a dataset's reader, gunzip for info) stays one: its chunk loads when
//   called.
// - Packages (rxjs, tinypool, our other packages) stay imports, resolved where they are installed,
//   so a user's rxjs and ours are one.
// - `import.meta.url` in a module becomes the URL of that module in dist/, so what it finds beside
//   itself (a worker thread's module, package.json) is found where it was.
// - Source maps chain to src/ (tsc's maps are read through): `node --enable-source-maps` names
//   the TypeScript lines.
//
// Run: node scripts/bundle-library.mjs packages/core (`pnpm build` and `pnpm test` run it, and
// packing the package: its prepack script).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import * as esbuild from 'esbuild';
import { MODULES_CONDITION, SPLIT_ESM, writeOutputs } from './bundling.mjs';

const [dir] = process.argv.slice(2);
if (!dir) throw new Error('usage: node scripts/bundle-library.mjs PACKAGE_DIR');
const PKG = resolve(dir);
const manifest = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));
const OUT = join(PKG, 'dist', 'bundle');

/** Entry name -> compiled module, from each export's MODULES_CONDITION and "default" paths. */
const entryPoints = {};
for (const [key, target] of Object.entries(manifest.exports)) {
  if (typeof target !== 'object' || !target[MODULES_CONDITION]) continue;
  const modules = join(PKG, target[MODULES_CONDITION]);
  const bundled = join(PKG, target.default);
  const name = relative(OUT, bundled).replace(/\.js$/, '');
  if (name.includes('..') || name.includes(sep)) throw new Error(`bundle-library: ${manifest.name} exports ${key} as ${target.default}, not a file of dist/bundle/`);
  if (!existsSync(modules)) throw new Error(`bundle-library: ${modules} is missing: run tsc -b first`);
  entryPoints[name] = modules;
}
if (Object.keys(entryPoints).length === 0) throw new Error(`bundle-library: no export of ${manifest.name} has a "${MODULES_CONDITION}" condition`);

const posix = (path) => path.split(sep).join('/');

// A module's own URL, where tsc wrote it, in place of `import.meta.url`: the bundle's files are
// in dist/bundle/, one level below, and relative to them.
const ownUrls = {
  name: 'own-urls',
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, (args) => {
      if (!args.path.startsWith(join(PKG, 'dist') + sep)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const own = `new URL(${JSON.stringify(posix(relative(OUT, args.path)))}, import.meta.url).href`;
      return { contents: text.replaceAll('import.meta.url', `(${own})`), loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

const result = await esbuild.build({
  ...SPLIT_ESM,
  absWorkingDir: PKG,
  entryPoints,
  outdir: OUT,
  packages: 'external',
  plugins: [ownUrls],
  sourcemap: 'linked',
  sourcesContent: false,
});
// In place, file by file, with no chunk of an earlier build left: a program importing core while
// this runs (the tests pack the packages, and core's prepack runs this) still finds a whole bundle.
writeOutputs(OUT, result.outputFiles);
const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.js'));
const bytes = outputs.reduce((n, [, o]) => n + o.bytes, 0);
console.log(`bundle: ${manifest.name} -> ${posix(relative(process.cwd(), OUT))}/ (${outputs.length} files, ${(bytes / 1024).toFixed(0)} KiB) from ${Object.keys(result.metafile.inputs).length} modules`);
