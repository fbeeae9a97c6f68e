import { mkdtempSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { fromFile, holdUntil } from '@idxflow/core';
import { lcgBytes } from '../fixtures/blocks.js';

const dir = mkdtempSync(join(tmpdir(), 'idxflow-file-'));
const path = join(dir, 'data.bin');
const contents = lcgBytes(1 << 20, 11);
writeFileSync(path, contents);

/** Descriptors of this process open on `path`, as the kernel lists them. */
function openOnPath(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) n++;
    } catch {
      // closed between the listing and the readlink
    }
  }
  return n;
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

/** Waits (a bounded number of ticks) for `done`, which the caller then asserts. */
async function settleUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !done(); i++) await tick();
}

describe('fromFile()', () => {
  it('reads the whole file in chunks of chunkSize', async () => {
    const chunks = await lastValueFrom(fromFile(path, { chunkSize: 100_000 }).pipe(toArray()));
    expect(chunks.map((c) => c.length)).toEqual([...Array.from({ length: 10 }, () => 100_000), (1 << 20) - 1_000_000]);
    expect(Buffer.concat(chunks).equals(Buffer.from(contents))).toBe(true);
  });

  it('closes the file however early its subscriber leaves', async () => {
    const leaves: Array<() => Promise<void>> = [
      // while open() is pending
      async () => fromFile(path).subscribe().unsubscribe(),
      // inside next, while the following read may be pending
      async () => {
        const subscription = fromFile(path, { chunkSize: 4096 }).subscribe(() => subscription.unsubscribe());
        await settleUntil(() => subscription.closed);
      },
      // after holding every chunk with a promise that never settles: the source waits on them
      async () => {
        let seen = 0;
        const subscription = fromFile(path, { chunkSize: 4096 }).subscribe(() => {
          seen++;
          holdUntil(new Promise(() => undefined));
        });
        await settleUntil(() => seen === 2); // the default window: two emissions wait on holds
        subscription.unsubscribe();
      },
    ];
    // A handle the source forgot is closed only if the garbage collector finds it, with a
    // warning: so the test fails on either sign of one, an open descriptor or the warning.
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      for (let round = 0; round < 20; round++) for (const leave of leaves) await leave();
      await settleUntil(() => openOnPath() === 0);
      expect(openOnPath()).toBe(0);
      expect(warnings.filter((w) => w.includes('on garbage collection'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('names the path of a file that cannot be opened', async () => {
    const missing = join(dir, 'missing.bin');
    const error = await lastValueFrom(fromFile(missing)).catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect((error as NodeJS.ErrnoException).path).toBe(missing);
  });
});
