// Named datasets found in `dir` are not checked against the published SHA-256, so their
// headers are checked against what the split publishes (datasets/idx.ts, checkPublished):
// more samples than published, or images other than 28 x 28, are refused at the header,
// before a byte of data is read. Files are written here with hand-made IDX headers.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { fashionMnist, IdxFormatError, mnist } from '@idxflow/core';
import { idxHeader } from '../fixtures/hostile.js';

/** A folder with a train split of `count` images of h x w (zeros) and `labels` labels, gzipped. */
function split(count: number, h: number, w: number, labels = count): string {
  const dir = mkdtempSync(join(tmpdir(), 'idxflow-published-'));
  writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(Buffer.concat([idxHeader([count, h, w]), new Uint8Array(count * h * w)])));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(Buffer.concat([idxHeader([labels]), new Uint8Array(labels)])));
  return dir;
}

describe('a named dataset in dir, against its published shape', () => {
  it('reads a split of fewer samples than published (a subset, a fixture)', async () => {
    const blocks = await lastValueFrom(mnist({ dir: split(3, 28, 28), download: false }).pipe(toArray()));
    expect(blocks.reduce((n, b) => n + b.shape[0], 0)).toBe(3);
  });

  it('refuses a labels header announcing 60,001 labels for MNIST train', async () => {
    const dir = split(2, 28, 28, 60001);
    const error = await lastValueFrom(mnist({ dir, download: false })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdxFormatError);
    expect((error as Error).message).toBe(`${join(dir, 'train-labels-idx1-ubyte.gz')} at byte 4: expected at most 60000 labels (mnist train as published), found 60001`);
  });

  it('refuses images of 32 x 32 for Fashion-MNIST', async () => {
    const dir = split(2, 32, 32);
    const error = await lastValueFrom(fashionMnist({ dir, download: false })).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`${join(dir, 'train-images-idx3-ubyte.gz')} at byte 4: expected at most 60000 images of 28 x 28 (fashion-mnist train as published), found 2 of 32 x 32`);
  });
});
