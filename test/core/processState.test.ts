// The rule of ARCHITECTURE.md's "Process state": what two copies of core must agree on is per
// process (the flow hold list, the recycle pool, what a WorkerPool is), the rest per copy (its
// caches: test/transforms/augmentImages.test.ts). Two copies of core are two module instances
// of its built files, loaded under different URLs in a child Node process (as two installed
// copies in one application would be).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const CORE = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages', 'core', 'dist')).href;

/** Runs an ES module script in a child Node process; returns its stdout, trimmed. */
function run(script: string): string {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.trim();
}

describe('state two copies of core must agree on is per process', () => {
  it("recycle() of one copy takes back memory a stage of the other handed out, and that copy's next allocation reuses it", () => {
    const out = run(`
      const a = await import('${CORE}/recycle.js?copy=a');
      const b = await import('${CORE}/recycle.js?copy=b');
      if (a === b) throw new Error('one module, not two copies');
      const images = a.reusablePixels(Float32Array, 1000);
      b.recycle({ images, labels: new Uint8Array(1), indices: new Uint32Array(1), epoch: 0, shape: [1, 10, 100] });
      const again = a.reusablePixels(Float32Array, 1000);
      console.log(again.buffer === images.buffer, a.recycledBytes(), b.recycledBytes());
    `);
    // Given back through b, kept (4,000 bytes, seen by both), then handed out again by a: none kept.
    expect(out).toBe('true 0 0');
  });

  it('a WorkerPool of one copy is a WorkerPool to the other (instanceof), and nothing else is', () => {
    const out = run(`
      const a = await import('${CORE}/pool.js?copy=a');
      const b = await import('${CORE}/pool.js?copy=b');
      if (a.WorkerPool === b.WorkerPool) throw new Error('one class, not two copies');
      const pool = new a.WorkerPool({ filename: new URL('data:text/javascript,export default () => 0'), workers: 1 });
      console.log(pool instanceof b.WorkerPool, pool instanceof a.WorkerPool, {} instanceof b.WorkerPool, null instanceof b.WorkerPool, Object.create(b.WorkerPool.prototype) instanceof b.WorkerPool);
      await pool.destroy();
    `);
    expect(out).toBe('true true false false false');
  });

  it('the flow hold list is one list: a hold made through one copy reaches a producer of the other', () => {
    const out = run(`
      const a = await import('${CORE}/flow.js?copy=a');
      const b = await import('${CORE}/flow.js?copy=b');
      let release;
      const held = new Promise((resolve) => (release = resolve));
      const waiting = a.emit({ closed: false, next: () => b.holdUntil(held) }, 1);
      let settled = false;
      waiting?.then(() => (settled = true));
      await new Promise((resolve) => setImmediate(resolve));
      const before = settled;
      release();
      await waiting;
      console.log(waiting !== undefined, before, settled);
    `);
    // emit() of copy a returns a wait that ends only when the hold made through copy b does.
    expect(out).toBe('true false true');
  });
});
