import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { concat, from, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { BlockMismatchError, idx, OptionError, type Block } from '@idxflow/core';
import { ExportCountError, toIdx } from '../../../packages/sinks/src/files/index.js';
import { readIdx } from '../readers.js';
import { mnistTest, randomDataset, tmp } from './fixtures.js';

const read = (dir: string, name: string) => readIdx(readFileSync(join(dir, name)));

describe('toIdx', () => {
  it('writes MNIST-named u8 files whose header and records match 37 images in blocks of 5, 7 and 25', async () => {
    const { blocks, images, labels } = randomDataset(37, [5, 7, 25]);
    const dir = tmp();
    const summary = await toIdx(from(blocks), { dir });
    expect(readdirSync(dir).sort()).toEqual(['train-images-idx3-ubyte', 'train-labels-idx1-ubyte']);
    const x = read(dir, 'train-images-idx3-ubyte');
    const y = read(dir, 'train-labels-idx1-ubyte');
    expect([x.type, x.dims, y.type, y.dims]).toEqual([0x08, [37, 28, 28], 0x08, [37]]);
    expect(Buffer.from(x.data as Uint8Array).equals(images as Uint8Array)).toBe(true);
    expect(Buffer.from(y.data as Uint8Array).equals(labels)).toBe(true);
    expect(readFileSync(join(dir, 'train-images-idx3-ubyte')).length).toBe(16 + 37 * 784);
    expect(summary).toMatchObject({ dir, count: 37, shape: [28, 28], dtype: 'uint8' });
    expect(summary.files.map((f) => [f.name, f.bytes])).toEqual([
      ['train-images-idx3-ubyte', 16 + 37 * 784],
      ['train-labels-idx1-ubyte', 8 + 37],
    ]);

    // With the count known up front the header is written once: same bytes.
    const known = tmp();
    await toIdx(from(blocks), { dir: known, expectedCount: 37 });
    for (const name of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte']) {
      expect(readFileSync(join(known, name)).equals(readFileSync(join(dir, name)))).toBe(true);
    }
  });

  it('writes float32 blocks as type 0x0D, big-endian', async () => {
    const { blocks, images } = randomDataset(37, [5, 7, 25], { float: true, height: 5, width: 3 });
    const dir = tmp();
    const summary = await toIdx(from(blocks), { dir, split: 'test' });
    const bytes = readFileSync(join(dir, 't10k-images-idx3-ubyte'));
    expect([bytes[2], bytes[3]]).toEqual([0x0d, 3]);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect([view.getUint32(4), view.getUint32(8), view.getUint32(12)]).toEqual([37, 5, 3]);
    const values = Array.from({ length: 37 * 15 }, (_, i) => view.getFloat32(16 + 4 * i, false));
    expect(values).toEqual(Array.from(images));
    expect(summary.dtype).toBe('float32');
  });

  it('gzips (RFC 1952, MTIME 0) with the same bytes whether the count is known up front or patched', async () => {
    const { blocks, images, labels } = randomDataset(37, [5, 7, 25]);
    const streamed = tmp();
    const atEnd = tmp();
    await toIdx(from(blocks), { dir: streamed, gzip: true, expectedCount: 37 });
    await toIdx(from(blocks), { dir: atEnd, gzip: true });
    expect(readdirSync(atEnd).sort()).toEqual(['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']);
    for (const name of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']) {
      const gz = readFileSync(join(streamed, name));
      expect([gz[0], gz[1], gz[2]]).toEqual([0x1f, 0x8b, 8]); // magic, deflate
      expect(gz.readUInt32LE(4)).toBe(0); // MTIME
      expect(gz.equals(readFileSync(join(atEnd, name)))).toBe(true);
    }
    const x = readIdx(gunzipSync(readFileSync(join(atEnd, 'train-images-idx3-ubyte.gz'))));
    expect(x.dims).toEqual([37, 28, 28]);
    expect(Buffer.from(x.data as Uint8Array).equals(images as Uint8Array)).toBe(true);
    expect(Buffer.from(read(atEnd, 'train-labels-idx1-ubyte.gz').data as Uint8Array).equals(labels)).toBe(true);
  });

  it('rewrites the real MNIST test set byte for byte (t10k names), raw and gzipped', async () => {
    const mnist = mnistTest();
    const source = idx({ images: mnist.imagesFile, labels: mnist.labelsFile });
    const dir = tmp();
    await toIdx(source, { dir, split: 'test' });
    expect(readFileSync(join(dir, 't10k-images-idx3-ubyte')).equals(readFileSync(mnist.imagesFile))).toBe(true);
    expect(readFileSync(join(dir, 't10k-labels-idx1-ubyte')).equals(readFileSync(mnist.labelsFile))).toBe(true);

    const gz = tmp();
    const summary = await toIdx(source, { dir: gz, split: 'test', gzip: true, expectedCount: 10000 });
    expect(gunzipSync(readFileSync(join(gz, 't10k-images-idx3-ubyte.gz'))).equals(readFileSync(mnist.imagesFile))).toBe(true);
    expect(gunzipSync(readFileSync(join(gz, 't10k-labels-idx1-ubyte.gz'))).equals(readFileSync(mnist.labelsFile))).toBe(true);
    expect(summary.files.map((f) => f.name)).toEqual(['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']);
  });

  it('writes well-formed files of 0 records for an empty pipeline', async () => {
    const dir = tmp();
    const summary = await toIdx(from([] as Block[]), { dir });
    expect(read(dir, 'train-images-idx3-ubyte').dims).toEqual([0, 0, 0]);
    expect(read(dir, 'train-labels-idx1-ubyte').dims).toEqual([0]);
    expect(summary).toMatchObject({ count: 0, shape: [0, 0] });
  });

  it('fails with ExportCountError on a count other than expectedCount, leaving the directory empty', async () => {
    const { blocks } = randomDataset(37, [5, 7, 25]);
    for (const [gzip, expectedCount] of [[true, 36], [true, 38], [false, 36], [false, 38]] as const) {
      const dir = tmp();
      const error = await toIdx(from(blocks), { dir, gzip, expectedCount }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ExportCountError);
      expect((error as Error).message).toContain(`expected ${expectedCount} samples (expectedCount), found ${expectedCount === 36 ? 'at least 37' : '37'}`);
      expect(readdirSync(dir)).toEqual([]);
    }
  });

  it('passes on a pipeline error and on mixed shapes, removing its temporaries', async () => {
    const { blocks } = randomDataset(12, [5]);
    const dir = tmp();
    await expect(toIdx(concat(from(blocks), throwError(() => new Error('decoder broke'))), { dir, gzip: true })).rejects.toThrow('decoder broke');
    const other = randomDataset(3, [3], { height: 27 }).blocks;
    const mismatch = toIdx(from([...blocks, ...other]), { dir });
    await expect(mismatch).rejects.toBeInstanceOf(BlockMismatchError);
    await expect(mismatch).rejects.toThrow('toIdx(): expected samples of 28 x 28 uint8 like the blocks before (epoch 0), found 27 x 28 uint8 in a block of 3 samples of epoch 0');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('checks its options before writing anything', async () => {
    const dir = join(tmp(), 'never');
    const source = from(randomDataset(5, [5]).blocks);
    await expect(toIdx(source, { dir: '' })).rejects.toThrow('Expected a non-empty string for dir but received "" of type string');
    await expect(toIdx(source, { dir, split: 'validation' as 'test' })).rejects.toThrow('Expected one of train, val, test for split but received "validation"');
    await expect(toIdx(source, { dir, expectedCount: -1 })).rejects.toThrow(OptionError);
    await expect(toIdx(source, { dir, gzip: 'yes' as unknown as boolean })).rejects.toThrow('Expected a boolean for gzip but received yes of type string');
    expect(existsSync(dir)).toBe(false);
  });
});
