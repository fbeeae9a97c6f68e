// parquet()'s blocks hold at most 2^26 pixels: blockSize rows of large images would not fit.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquet } from '@idxflow/core';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { zeroPng } from '../fixtures/hostileFiles.js';
import { writeWithArrow } from '../sinks/files/hfReaders.js';

describe('parquet() block size', () => {
  it('eight 3000 x 3000 images come in blocks of floor(2^26 / 3000^2) = 7 rows, not 1,024', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'idxflow-parquet-blocks-')), 'large.parquet');
    writeFileSync(file, writeWithArrow(Array.from({ length: 8 }, () => black), Array.from({ length: 8 }, (_, i) => i), {}));
    const blocks = await lastValueFrom(parquet({ files: [file] }).pipe(toArray()));
    expect(blocks.map((b) => b.shape)).toEqual([[7, 3000, 3000], [1, 3000, 3000]]);
    expect(blocks.flatMap((b) => Array.from(b.labels))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(blocks.every((b) => Buffer.from(b.images.buffer, b.images.byteOffset, b.images.byteLength).equals(Buffer.alloc(b.images.byteLength)))).toBe(true);
  }, 60_000);
});

const black = await zeroPng(3000);
