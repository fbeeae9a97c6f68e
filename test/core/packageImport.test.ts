// What importing a package loads. Node resolves `import 'rxjs'` to rxjs 7's CommonJS build (the
// "node" condition of its exports; its ES build has extensionless imports Node cannot load), and
// that index requires all of rxjs, some 220 files. Our packages therefore take each rxjs value
// from its own module ('rxjs/internal/Observable', an entry of rxjs's exports), required by
// core's rx.ts: the same module, and so the same class, as the one rxjs's index hands a user. Rarely needed code
// (xz-decompress) is required by the feature that uses it, and a dataset's reading code
// (`datasets/<name>Reader.ts`, with the parsers and walkers only it uses) by its stream's
// subscription (fromReader.ts).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../fixtures/mnist.js';

/** Runs an ES module script in a child Node process from the repository's root; returns its stdout parsed as JSON. */
function run(script: string): unknown {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: ROOT });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

/** The CommonJS files (relative to node_modules/.pnpm) that importing `pkg` loads. */
function commonJsLoadedBy(pkg: string): string[] {
  return run(`
    await import('${pkg}');
    const { createRequire } = await import('node:module');
    console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache).map((f) => f.split('/node_modules/.pnpm/').at(-1))));
  `) as string[];
}

/**
 * The URLs of the modules that `script` (an ES module, run after a loader hook is registered)
 * has loaded through the ES module loader: the hook writes each URL it loads to a file. A
 * CommonJS module imported by an ES module passes through it; one required does not.
 */
function modulesLoadedBy(script: string): string[] {
  const list = join(mkdtempSync(join(tmpdir(), 'idxflow-modules-')), 'loaded.txt');
  writeFileSync(list, '');
  const hooks = `import { appendFileSync } from 'node:fs'; let out; export function initialize(data) { out = data.out; } export async function load(url, context, next) { appendFileSync(out, url + '\\n'); return next(url, context); }`;
  run(`
    const { register } = await import('node:module');
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}), { data: { out: ${JSON.stringify(list)} } });
    ${script}
    console.log('[]');
  `);
  return readFileSync(list, 'utf8').split('\n').filter(Boolean);
}

/**
 * Core's modules that `script` has loaded, as paths below dist ('datasets/csv.js'). Node loads
 * core's bundle (dist/bundle/, scripts/bundle-library.mjs): a file of it holds the modules its
 * source map lists (src/datasets/csv.ts is dist's datasets/csv.js). A module of dist loaded
 * unbundled is named as it is.
 */
function coreModulesLoadedBy(script: string): string[] {
  const modules = new Set<string>();
  for (const url of modulesLoadedBy(script).filter((u) => u.includes('/packages/core/dist/'))) {
    const path = url.split('/packages/core/dist/')[1];
    if (!path.startsWith('bundle/')) {
      modules.add(path);
      continue;
    }
    const map = JSON.parse(readFileSync(`${fileURLToPath(url)}.map`, 'utf8')) as { sources: string[] };
    for (const source of map.sources) modules.add(relative(join(ROOT, 'packages/core/src'), join(dirname(fileURLToPath(url)), source)).replace(/\.ts$/, '.js'));
  }
  return [...modules];
}

// What only the dataset readers use: none of it may load with core.
const READERS_ONLY = ['csv/rowParser.js', 'datasets/folderWalk.js', 'datasets/parquetThread.js', 'datasets/download.js', 'folders.js', 'images/mapBounded.js', 'images/mnistStyle.js', 'tar/tarParser.js'];

describe('importing @idxflow/core', () => {
  it('loads no dataset reader (datasets/<name>Reader.js) and nothing only they use', () => {
    const readers = readdirSync(join(ROOT, 'packages/core/dist/datasets')).filter((f) => f.endsWith('Reader.js') && f !== 'fromReader.js').map((f) => `datasets/${f}`);
    expect(readers).toEqual(expect.arrayContaining(['datasets/csvReader.js', 'datasets/imageFolderReader.js', 'datasets/parquetReader.js', 'datasets/pngTreeReader.js']));
    const loaded = coreModulesLoadedBy("await import('@idxflow/core');");
    // Core's modules are seen: the catalog, whose entries name every dataset, and csv's options.
    expect(loaded).toEqual(expect.arrayContaining(['datasets/catalog.js', 'datasets/csv.js']));
    expect(loaded.filter((f) => readers.includes(f) || READERS_ONLY.includes(f))).toEqual([]);
  });

  it('loads its bundle (scripts/bundle-library.mjs), no module of dist one by one', () => {
    const loaded = modulesLoadedBy("await import('@idxflow/core');").filter((url) => url.includes('/packages/core/dist/'));
    expect(loaded.map((url) => url.split('/packages/core/dist/')[1])).toContain('bundle/index.js');
    expect(loaded.filter((url) => !url.includes('/packages/core/dist/bundle/'))).toEqual([]);
  });

  it('maps its bundle to src/: under --enable-source-maps an error names the TypeScript line that threw it', () => {
    const r = spawnSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', "import { batch } from '@idxflow/core'; try { batch(0); } catch (e) { console.log(e.stack); }"], { encoding: 'utf8', cwd: ROOT });
    expect(r.status, r.stderr).toBe(0);
    // The line of validate.ts that throws integer()'s OptionError, found by reading the source.
    const source = readFileSync(join(ROOT, 'packages/core/src/validate.ts'), 'utf8').split('\n');
    const start = source.findIndex((line) => line.startsWith('export function integer('));
    const line = source.findIndex((text, i) => i > start && text.includes('throw new OptionError(')) + 1;
    expect(r.stdout.split('\n')[1]).toContain(`${join(ROOT, 'packages/core/src/validate.ts')}:${line}:`);
  });

  it("loads a reader when its stream is subscribed, and the stream reads the file", () => {
    const file = join(mkdtempSync(join(tmpdir(), 'idxflow-csv-')), 'two.csv');
    // One 2 x 2 image of label 3, pixels row by row.
    writeFileSync(file, 'label,p1,p2,p3,p4\n3,0,1,2,255\n');
    const loaded = coreModulesLoadedBy(`
      const { csv } = await import('@idxflow/core');
      const { lastValueFrom } = await import('rxjs');
      const source = csv({ path: ${JSON.stringify(file)} });
      const block = await lastValueFrom(source);
      if (JSON.stringify([[...block.labels], [...block.images], block.shape]) !== '[[3],[0,1,2,255],[1,2,2]]') throw new Error('read ' + JSON.stringify(block));
    `);
    expect(loaded).toEqual(expect.arrayContaining(['datasets/csvReader.js', 'csv/rowParser.js']));
  });
});

describe('importing a package', () => {
  for (const pkg of ['@idxflow/core', '@idxflow/transforms', '@idxflow/sinks']) {
    it(`${pkg} loads neither rxjs's index nor xz-decompress`, () => {
      const loaded = commonJsLoadedBy(pkg);
      // Observable's module is loaded: the check reads the files that are.
      expect(loaded.some((f) => f.endsWith('/rxjs/dist/cjs/internal/Observable.js'))).toBe(true);
      expect(loaded.filter((f) => /\/rxjs\/dist\/cjs\/(operators\/)?index\.js$/.test(f) || f.includes('/xz-decompress/'))).toEqual([]);
    });

    it(`${pkg} requires rxjs's modules (core's rx.js), importing none: Node loads a required CommonJS module for less`, () => {
      const loaded = modulesLoadedBy(`await import('${pkg}');`);
      expect(loaded.some((url) => url.includes('/packages/core/dist/bundle/'))).toBe(true);
      expect(loaded.filter((url) => url.includes('/rxjs/'))).toEqual([]);
    });
  }

  it("hands out rxjs's own Observable: a user's rxjs operators and instanceof work on core's streams", () => {
    const out = run(`
      const { fromBytes } = await import('@idxflow/core');
      const rxjs = await import('rxjs');
      const source = fromBytes(Uint8Array.of(1, 2, 3), { chunkSize: 2 });
      const chunks = await rxjs.lastValueFrom(source.pipe(rxjs.map((c) => c.length), rxjs.toArray()));
      console.log(JSON.stringify({ instance: source instanceof rxjs.Observable, isObservable: rxjs.isObservable(source), chunks }));
    `);
    expect(out).toEqual({ instance: true, isObservable: true, chunks: [2, 1] });
  });

  it("declares its types with rxjs's own names ('rxjs'), never a path inside rxjs", () => {
    for (const pkg of ['core', 'transforms', 'sinks']) {
      const dist = join(ROOT, 'packages', pkg, 'dist');
      const declarations = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.d.ts'));
      expect(declarations.length, pkg).toBeGreaterThan(0);
      expect(declarations.filter((f) => readFileSync(join(dist, f), 'utf8').includes("'rxjs/internal/")), pkg).toEqual([]);
    }
  });
});
