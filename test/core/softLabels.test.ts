// Soft labels (Block.softLabels, n x classes Float32) travel with their samples through every
// stage that moves samples, and blocks with and without them are never joined.
import { from, lastValueFrom, toArray, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { batch, BlockMismatchError, gather, samples, shuffle, shuffleRows, shuffleWindow, sliceBlock, softLabelClasses, type Block } from '@idxflow/core/internal';
import { syntheticBlock } from '../fixtures/blocks.js';
import { outcome } from '../fixtures/outcome.js';

const run = <T>(source: Observable<T>): Promise<T[]> => lastValueFrom(source.pipe(toArray()));
const K = 3;

/** Samples `first ..` with soft row i = [index, index + 0.25, index + 0.5]: each row names its sample. */
function softBlock(first: number, n: number, epoch = 0): Block {
  const block = syntheticBlock(first, n, epoch);
  const softLabels = new Float32Array(n * K);
  for (let i = 0; i < n; i++) for (let c = 0; c < K; c++) softLabels[i * K + c] = first + i + c / 4;
  return { ...block, softLabels };
}

/** Every sample's row matches its index, as softBlock made it. */
function expectRowsFollowIndices(blocks: Block[]): number {
  let checked = 0;
  for (const b of blocks) {
    expect(softLabelClasses(b)).toBe(b.shape[0] === 0 ? 0 : K);
    expect(b.softLabels!.length).toBe(b.shape[0] * K);
    for (let i = 0; i < b.shape[0]; i++) {
      expect(Array.from(b.softLabels!.subarray(i * K, (i + 1) * K))).toEqual([0, 0.25, 0.5].map((d) => b.indices[i] + d));
      checked++;
    }
  }
  return checked;
}

describe('soft labels travel with their samples', () => {
  it('through batch() (views and copies), shuffle(), shuffleRows() + gather(), shuffleWindow() and sliceBlock()', async () => {
    const blocks = [softBlock(0, 5), softBlock(5, 3), softBlock(8, 12)];
    expect(expectRowsFollowIndices(await run(from(blocks).pipe(batch(4))))).toBe(20);
    expect(expectRowsFollowIndices(await run(from(blocks).pipe(batch(20))))).toBe(20);
    expect(expectRowsFollowIndices(await run(from(blocks).pipe(shuffle({ seed: 3, blockSize: 6 }))))).toBe(20);
    expect(expectRowsFollowIndices(await run(from(blocks).pipe(shuffleRows({ seed: 3 }), batch(7), gather())))).toBe(20);
    expect(expectRowsFollowIndices(await run(from(blocks).pipe(shuffleWindow({ size: 6, seed: 1 }))))).toBe(20);
    expect(expectRowsFollowIndices([sliceBlock(blocks[2], 3, 9), sliceBlock(blocks[2], 4, 4)])).toBe(6);
  });

  it('through samples(): each sample carries its row', async () => {
    const out = await run(from([softBlock(10, 4)]).pipe(samples()));
    expect(out.map((s) => Array.from(s.softLabel!))).toEqual([10, 11, 12, 13].map((i) => [i, i + 0.25, i + 0.5]));
    expect((await run(from([syntheticBlock(0, 1)]).pipe(samples())))[0].softLabel).toBeUndefined();
  });

  it('batch() refuses to join blocks with and without them, or of different classes', async () => {
    const mixed = await outcome(from([softBlock(0, 3), syntheticBlock(3, 3)]).pipe(batch(4)));
    expect(mixed.error).toBeInstanceOf(BlockMismatchError);
    expect((mixed.error as Error).message).toBe(
      'batch(4): expected samples of 4 x 3 uint8 with soft labels of 3 classes like the blocks before (epoch 0), found 4 x 3 uint8 in a block of 3 samples of epoch 0',
    );
    const wider: Block = { ...syntheticBlock(3, 2), softLabels: new Float32Array(2 * 5) };
    const classes = await outcome(from([softBlock(0, 3), wider]).pipe(batch(4)));
    expect((classes.error as Error).message).toContain('found 4 x 3 uint8 with soft labels of 5 classes in a block of 2 samples');
  });

  it('a block whose soft labels do not fit its samples is refused', async () => {
    const short: Block = { ...syntheticBlock(0, 3), softLabels: new Float32Array(7) };
    const bad = await outcome(from([short]).pipe(batch(2)));
    expect((bad.error as Error).message).toBe('batch(2): expected soft labels in a Float32Array of 3 rows (n * classes values) for a block of 3 samples, found 7 values');
  });
});
