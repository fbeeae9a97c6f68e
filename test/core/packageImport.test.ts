// What importing a package loads. Node resolves `import 'rxjs'` to rxjs 7's CommonJS build (the
// "node" condition of its exports; its ES build has extensionless imports Node cannot load), and
// that index requires all of rxjs, some 220 files. Our packages therefore import each rxjs value
// from its own module ('rxjs/internal/Observable', an entry of rxjs's exports): the same
// module, and so the same class, as the one rxjs's index hands a user. Rarely needed code
// (xz-decompress) is required by the feature that uses it.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

describe('importing a package', () => {
  for (const pkg of ['@idxflow/core', '@idxflow/transforms', '@idxflow/sinks']) {
    it(`${pkg} loads neither rxjs's index nor xz-decompress`, () => {
      const loaded = commonJsLoadedBy(pkg);
      // Observable's module is loaded: the check reads the files that are.
      expect(loaded.some((f) => f.endsWith('/rxjs/dist/cjs/internal/Observable.js'))).toBe(true);
      expect(loaded.filter((f) => /\/rxjs\/dist\/cjs\/(operators\/)?index\.js$/.test(f) || f.includes('/xz-decompress/'))).toEqual([]);
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
