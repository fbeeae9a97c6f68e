import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetNotFoundError, DownloadError, IdxFormatError, loadBlock, QMNIST, qmnist, qmnistColumns, QMNIST_COLUMNS, resolvePublishedFile, XzError } from '@idxflow/core/internal';
import { serveFiles, type FileServer } from '../fixtures/datasetServer.js';
import { idxBytes, uprightImage } from '../fixtures/emnistArchive.js';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
/** xz by the xz command (XZ Utils): independent of the WebAssembly decoder under test. */
const xz = (bytes: Uint8Array): Uint8Array => new Uint8Array(execFileSync('xz', ['-c', '-3'], { input: bytes, maxBuffer: 1 << 28 }));

/** A QMNIST-shaped split: images, and an i32 table of 8 columns whose column 0 is the digit. */
function split(seed: number, count: number): { images: Uint8Array; table: Int32Array; imagesFile: Uint8Array; labelsFile: Uint8Array } {
  const images = new Uint8Array(count * 784);
  const table = new Int32Array(count * 8);
  for (let i = 0; i < count; i++) {
    images.set(uprightImage(seed, i), i * 784);
    table.set([(i * 3 + seed) % 10, i % 5, 2100 + i, i % 150, 30 + ((i * 3 + seed) % 10), 100_000 + i, 0, 0], i * 8);
  }
  const be = Buffer.alloc(table.length * 4);
  table.forEach((v, k) => be.writeInt32BE(v, 4 * k));
  return { images, table, imagesFile: idxBytes(images, [count, 28, 28]), labelsFile: idxBytes(be, [count, 8], 0x0c) };
}

const splits = { train: split(1, 9), test: split(2, 6), nist: split(3, 11) };
const published = {
  train: { images: gzipSync(splits.train.imagesFile), labels: gzipSync(splits.train.labelsFile) },
  test: { images: gzipSync(splits.test.imagesFile), labels: gzipSync(splits.test.labelsFile) },
  nist: { images: xz(splits.nist.imagesFile), labels: xz(splits.nist.labelsFile) },
};
let server: FileServer;
let cacheDir: string;

beforeAll(async () => {
  const files: Record<string, Uint8Array> = {};
  for (const s of ['train', 'test', 'nist'] as const) {
    files[`/q/${QMNIST.files[s].images.name}`] = published[s].images;
    files[`/q/${QMNIST.files[s].labels.name}`] = published[s].labels;
  }
  server = await serveFiles(files);
  cacheDir = mkdtempSync(join(tmpdir(), 'idxflow-qmnist-cache-'));
  // Test files are not the published ones: the registry's SHA-256 is swapped for theirs here.
  for (const s of ['train', 'test', 'nist'] as const) {
    for (const kind of ['images', 'labels'] as const) {
      await resolvePublishedFile({ id: 'qmnist', mirrors: [`${server.base}/q/`] }, { ...QMNIST.files[s][kind], sha256: sha256(published[s][kind]) }, { cacheDir });
    }
  }
});
afterAll(() => server.close());

describe('qmnist()', () => {
  it('reads train, test and the xz nist split from the cache: images, and column 0 of the table as labels', async () => {
    for (const s of ['train', 'test', 'nist'] as const) {
      const block = await loadBlock(qmnist({ split: s, cacheDir, download: false }));
      const n = splits[s].table.length / 8;
      expect(block.shape).toEqual([n, 28, 28]);
      expect(sha256(block.images)).toBe(sha256(splits[s].images));
      expect([...block.labels]).toEqual(Array.from({ length: n }, (_, i) => splits[s].table[i * 8]));
    }
  });

  it('offers the whole 8-column table, row i for source index i', async () => {
    const table = await qmnistColumns({ split: 'nist', cacheDir, download: false });
    expect(table.count).toBe(11);
    expect(table.columns).toEqual(QMNIST_COLUMNS);
    expect([...table.values]).toEqual([...splits.nist.table]);
    expect(table.values[8 * 4 + QMNIST_COLUMNS.indexOf('writer')]).toBe(2104);
  });

  it('is pinned to the published SHA-256, and reports a missing dir file by name', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'idxflow-qmnist-empty-'));
    const error = await loadBlock(qmnist({ split: 'test', cacheDir: empty, mirrors: [`${server.base}/q/`] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect((error as Error).cause).toBeInstanceOf(DownloadError);
    expect((error as Error).message).toContain(`: expected SHA-256 ${QMNIST.files.test.images.sha256}, found SHA-256 `);
    const missing = await loadBlock(qmnist({ split: 'nist', dir: empty })).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(DatasetNotFoundError);
    expect((missing as Error).message).toBe(`${join(empty, 'xnist-images-idx3-ubyte.xz')}: expected xnist-images-idx3-ubyte.xz or xnist-images-idx3-ubyte in ${empty}, found neither`);
  });

  it('fails with XzError for a truncated xz file, and IdxFormatError for a label out of byte range', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idxflow-qmnist-bad-'));
    writeFileSync(join(dir, 'xnist-images-idx3-ubyte.xz'), published.nist.images.subarray(0, published.nist.images.length - 40));
    writeFileSync(join(dir, 'xnist-labels-idx2-int.xz'), published.nist.labels);
    const truncated = await loadBlock(qmnist({ split: 'nist', dir })).catch((e: unknown) => e);
    expect(truncated).toBeInstanceOf(XzError);
    expect((truncated as Error).message).toMatch(new RegExp(`^${join(dir, 'xnist-images-idx3-ubyte.xz')} at byte \\d+: expected a complete, valid xz stream, found `));
    const table = Int32Array.from(splits.test.table);
    table[8 * 2] = 300;
    const be = Buffer.alloc(table.length * 4);
    table.forEach((v, k) => be.writeInt32BE(v, 4 * k));
    writeFileSync(join(dir, 'qmnist-test-images-idx3-ubyte.gz'), published.test.images);
    writeFileSync(join(dir, 'qmnist-test-labels-idx2-int.gz'), gzipSync(idxBytes(be, [6, 8], 0x0c)));
    const outOfRange = await loadBlock(qmnist({ split: 'test', dir })).catch((e: unknown) => e);
    expect(outOfRange).toBeInstanceOf(IdxFormatError);
    expect((outOfRange as Error).message).toBe(`${join(dir, 'qmnist-test-labels-idx2-int.gz')} at byte ${12 + 2 * 32}: expected a label from 0 to 255 in column 0 of record 2, found 300`);
  });
});
