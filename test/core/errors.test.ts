import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { DatasetMismatchError, DatasetNotFoundError, encodeIdx, GzipError, idx, IdxFormatError, mnist, OptionError } from '@idxflow/core';
import { lcgBytes } from '../fixtures/blocks.js';

const dir = mkdtempSync(join(tmpdir(), 'idxflow-errors-'));
const write = (name: string, bytes: Uint8Array): string => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};

describe('dataset source errors', () => {
  it('DatasetMismatchError when images and labels count differ', async () => {
    const images = write('i.idx', encodeIdx(new Uint8Array(5 * 4), [5, 2, 2]));
    const labels = write('l.idx', encodeIdx(new Uint8Array(4), [4]));
    const error = await lastValueFrom(idx({ images, labels }).pipe(toArray())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetMismatchError);
    expect((error as Error).message).toBe(`${images} and ${labels}: expected as many images as labels (4 labels), found 5 images`);
  });

  it('DatasetMismatchError from the headers, before a labels file claiming 4e9 labels is read on', async () => {
    const claimed = 4e9;
    const body = new Uint8Array(8 + 2_000_000);
    new DataView(body.buffer).setUint32(0, 0x0801, false);
    new DataView(body.buffer).setUint32(4, claimed, false);
    body.set(lcgBytes(2_000_000, 8), 8); // incompressible: the gzip file is about 2 MB
    const gz = Buffer.from(gzipSync(body));
    gz[1_500_000] ^= 0xff; // reading that far would end in a GzipError, not a mismatch
    const labels = write('huge-labels.gz', gz);
    const images = write('i5.idx', encodeIdx(new Uint8Array(5 * 4), [5, 2, 2]));
    const error = await lastValueFrom(idx({ images, labels }).pipe(toArray())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetMismatchError);
    expect((error as Error).message).toBe(`${images} and ${labels}: expected as many images as labels (${claimed} labels), found 5 images`);
  });

  it('DatasetMismatchError from the headers when the images claim more than they hold', async () => {
    const images = encodeIdx(new Uint8Array(3 * 4), [3, 2, 2]);
    new DataView(images.buffer).setUint32(4, 4e9, false); // the header claims 4e9 images, 3 follow
    const imagesPath = write('claims.idx', images);
    const labels = write('l3.idx', encodeIdx(new Uint8Array(3), [3]));
    const error = await lastValueFrom(idx({ images: imagesPath, labels }).pipe(toArray())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetMismatchError);
    expect((error as Error).message).toBe(`${imagesPath} and ${labels}: expected as many images as labels (3 labels), found 4000000000 images`);
  });

  it('IdxFormatError naming the expected magic when labels are given as images', async () => {
    const labels = write('l2.idx', encodeIdx(new Uint8Array(4), [4]));
    const error = await lastValueFrom(idx({ images: labels, labels }).pipe(toArray())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdxFormatError);
    expect((error as Error).message).toBe(`${labels} at byte 3: expected 3 dimensions, found 1`);
  });

  it('GzipError naming the file for a corrupt .gz', async () => {
    const good = gzipSync(encodeIdx(new Uint8Array(40), [10, 2, 2]));
    const bad = Buffer.from(good);
    bad[bad.length - 5] ^= 0x10; // a trailer byte: the CRC-32
    const images = write('bad-images.gz', bad);
    const labels = write('ok-labels', encodeIdx(new Uint8Array(10), [10]));
    const error = await lastValueFrom(idx({ images, labels }).pipe(toArray())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GzipError);
    expect((error as Error).message).toContain(`${images} at byte ${bad.length - 8}: expected gzip trailer CRC-32`);
  });

  it('DatasetNotFoundError for a directory without the files', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'idxflow-empty-'));
    const error = await lastValueFrom(mnist({ dir: empty }).pipe(toArray())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect((error as Error).message).toBe(
      `${join(empty, 'train-images-idx3-ubyte.gz')}: expected train-images-idx3-ubyte.gz or train-images-idx3-ubyte in ${empty}, found neither`,
    );
  });

  it('rejects bad options when a stage is built', async () => {
    const { batch, shard, shuffle } = await import('@idxflow/core');
    expect(() => batch(0)).toThrow('Expected integer >= 1 for size but received 0 of type number');
    expect(() => shard({ rank: 2, worldSize: 2 })).toThrow('Expected integer between 0 and 1 for rank but received 2 of type number');
    expect(() => shuffle({ seed: 1.5 })).toThrow(OptionError);
  });

  it('an option refused is an OptionError naming the option, with its code, the message as the function words it', async () => {
    const { batch, shard } = await import('@idxflow/core');
    const thrown = (build: () => unknown): OptionError => {
      try {
        build();
      } catch (error) {
        return error as OptionError;
      }
      throw new Error('nothing thrown');
    };
    const size = thrown(() => batch(0));
    expect([size instanceof OptionError, size.code, size.option, size.name]).toEqual([true, 'IDXFLOW_OPTION', 'size', 'OptionError']);
    expect(size.message).toBe('Expected integer >= 1 for size but received 0 of type number');
    expect(thrown(() => shard({ rank: 2, worldSize: 2 })).option).toBe('rank');
    // No "for NAME but received" in the message: no option unless the thrower names one.
    expect(new OptionError('Expected dx and dy both given').option).toBeUndefined();
    expect(new OptionError('Expected finite number for elastic.sigma but received 0').option).toBe('elastic.sigma');
    expect(new OptionError('a message', 'overwrite').option).toBe('overwrite');
  });
});

describe('error codes', () => {
  it('each IdxflowError carries IDXFLOW_ and its class name in upper snake case, not among its printed fields', async () => {
    const { InflateLimitError, NpyFormatError, ZipError } = await import('@idxflow/core');
    const details = { file: 'f', expected: 'e', found: 'x' };
    const codes = [new ZipError(details), new InflateLimitError(details), new NpyFormatError(details), new IdxFormatError(details), new DatasetNotFoundError(details, { dataset: 'mnist', split: 'train', tried: [] })].map((e) => e.code);
    expect(codes).toEqual(['IDXFLOW_ZIP', 'IDXFLOW_INFLATE_LIMIT', 'IDXFLOW_NPY_FORMAT', 'IDXFLOW_IDX_FORMAT', 'IDXFLOW_DATASET_NOT_FOUND']);
    expect(Object.keys(new ZipError(details))).not.toContain('code');
  });
});
