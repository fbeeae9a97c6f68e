import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { lastValueFrom, toArray, type Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChecksumError,
  DatasetNotFoundError,
  DownloadError,
  EMNIST_ARCHIVE,
  emnist,
  emnistClasses,
  fromZipMember,
  loadBlock,
  resolvePublishedFile,
  ZipError,
  type Block,
} from '@idxflow/core/internal';
import { serveFiles, type FileServer } from '../fixtures/datasetServer.js';
import { emnistArchive, idxBytes, transpose, uprightImage, VARIANTS } from '../fixtures/emnistArchive.js';
import { ROOT } from '../fixtures/mnist.js';
import { zipArchive } from '../fixtures/zip.js';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const read = (source: Observable<Block<Uint8Array>>): Promise<Block<Uint8Array>> => loadBlock(source);

const archive = emnistArchive(5);
let server: FileServer;
let cacheDir: string;

beforeAll(async () => {
  server = await serveFiles({ '/good/gzip.zip': archive.zip, '/corrupt/gzip.zip': archive.zip.map((b, i) => (i === 300 ? b ^ 1 : b)) });
  cacheDir = mkdtempSync(join(tmpdir(), 'idxflow-emnist-cache-'));
  // The archive the tests built is not the published one, so the registry's SHA-256 is swapped
  // for its own here; emnist() itself is pinned to the published checksum (see below).
  await resolvePublishedFile({ id: 'emnist', mirrors: [`${server.base}/missing/`, `${server.base}/corrupt/`, `${server.base}/good/`] }, { ...EMNIST_ARCHIVE.file, sha256: sha256(archive.zip) }, { cacheDir });
});
afterAll(() => server.close());

describe('emnist()', () => {
  it('downloads the archive from the first mirror with the right SHA-256 and reads every variant upright from the cache', async () => {
    expect(statSync(join(cacheDir, 'emnist', 'gzip.zip')).size).toBe(archive.zip.length);
    expect(server.requests).toEqual(['/missing/gzip.zip', '/corrupt/gzip.zip', '/good/gzip.zip']);
    for (const variant of VARIANTS) {
      for (const split of ['train', 'test'] as const) {
        const expected = archive.splits.get(`${variant}-${split}`)!;
        const block = await read(emnist({ variant, split, cacheDir, download: false }));
        expect(block.shape).toEqual([expected.count, 28, 28]);
        expect(sha256(block.images)).toBe(sha256(expected.upright));
        expect([...block.labels]).toEqual([...expected.labels]);
        expect([...block.indices]).toEqual(Array.from({ length: expected.count }, (_, i) => i));
      }
    }
    expect(server.requests).toHaveLength(3); // read from the cache, not downloaded again
  });

  it("keeps EMNIST's stored (transposed) orientation when asked", async () => {
    const block = await read(emnist({ variant: 'balanced', split: 'test', cacheDir, download: false, orientation: 'stored' }));
    const expected = archive.splits.get('balanced-test')!;
    expect(sha256(block.images)).toBe(sha256(expected.stored));
    // The first image, upright, is the transpose of what the file stores.
    expect([...block.images.subarray(0, 784)]).toEqual([...transpose(uprightImage(5, 0), 28, 28)]);
  });

  it('labels letters from 1 to 26 and names 62, 47, 47, 27, 10 and 10 classes', async () => {
    const block = await read(emnist({ variant: 'letters', split: 'train', cacheDir, download: false }));
    expect(Math.min(...block.labels)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...block.labels)).toBeLessThanOrEqual(26);
    expect(VARIANTS.map((v) => emnistClasses(v).length)).toEqual([62, 47, 47, 27, 10, 10]);
    expect(emnistClasses('letters').slice(0, 3)).toEqual(['N/A', 'a', 'b']);
    expect(emnistClasses('balanced').slice(36)).toEqual(['a', 'b', 'd', 'e', 'f', 'g', 'h', 'n', 'q', 'r', 't']);
  });

  it('is pinned to the published SHA-256: the test archive from a mirror is refused', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'idxflow-emnist-pinned-'));
    const error = await read(emnist({ cacheDir: empty, mirrors: [`${server.base}/good/`] })).catch((e: unknown) => e);
    // Nowhere else to look: the not-found error lists the cache and the mirror, and carries the download's failure.
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect((error as DatasetNotFoundError).tried.map((t) => t.kind)).toEqual(['cache', 'mirror']);
    const download = (error as Error).cause;
    expect(download).toBeInstanceOf(DownloadError);
    expect((download as DownloadError).attempts[0]).toBeInstanceOf(ChecksumError);
    expect((error as Error).message).toContain(`: expected SHA-256 ${EMNIST_ARCHIVE.file.sha256}, found SHA-256 `);
  });

  it('reads extracted members from dir (raw or .gz), or the archive in dir, and names both when neither is there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idxflow-emnist-dir-'));
    const digits = archive.splits.get('digits-test')!;
    mkdirSync(join(dir, 'gzip'));
    writeFileSync(join(dir, 'gzip', 'emnist-digits-test-images-idx3-ubyte'), idxBytes(digits.stored, [digits.count, 28, 28]));
    writeFileSync(join(dir, 'emnist-digits-test-labels-idx1-ubyte.gz'), digits.labelsGz);
    const block = await read(emnist({ variant: 'digits', split: 'test', dir }));
    expect(sha256(block.images)).toBe(sha256(digits.upright));
    writeFileSync(join(dir, 'gzip.zip'), archive.zip);
    const mnistTrain = await read(emnist({ variant: 'mnist', split: 'train', dir }));
    expect(sha256(mnistTrain.images)).toBe(sha256(archive.splits.get('mnist-train')!.upright));
    const empty = mkdtempSync(join(tmpdir(), 'idxflow-emnist-empty-'));
    const error = await read(emnist({ variant: 'letters', dir: empty })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect((error as Error).message).toBe(
      `${join(empty, 'gzip.zip')}: expected gzip.zip, or emnist-letters-train-images-idx3-ubyte.gz and emnist-letters-train-labels-idx1-ubyte.gz (raw or .gz), in ${empty}, found neither`,
    );
  });

  it('reads members whose sizes follow in a data descriptor', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idxflow-emnist-dd-'));
    const streamed = emnistArchive(4, { descriptor: true });
    writeFileSync(join(dir, 'gzip.zip'), streamed.zip);
    const block = await read(emnist({ variant: 'bymerge', split: 'train', dir }));
    expect(sha256(block.images)).toBe(sha256(streamed.splits.get('bymerge-train')!.upright));
  });
});

describe('fromZipMember()', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idxflow-zip-'));
  const text = new TextEncoder().encode('0 48\n1 49\n'.repeat(50));
  const write = (name: string, bytes: Uint8Array): string => {
    writeFileSync(join(dir, name), bytes);
    return join(dir, name);
  };

  it('fails with ZipError naming the member, its offset and the CRC-32 the directory lists when its bytes were changed', async () => {
    const zip = zipArchive([{ name: 'a.txt', data: new Uint8Array(10) }, { name: 'gzip/map.txt', data: text, method: 0 }]);
    const at = zip.indexOf(0x30, 40); // a '0' inside the stored text of the second member
    const path = write('bad.zip', zip.map((b, i) => (i === at ? 0x31 : b)));
    const error = await lastValueFrom(fromZipMember(path, 'map.txt').pipe(toArray())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZipError);
    expect((error as Error).message).toMatch(new RegExp(`^${path}: gzip/map.txt at byte \\d+: expected ${text.length} bytes with CRC-32 0x[0-9a-f]{8}, as the central directory lists, found ${text.length} bytes with CRC-32 0x[0-9a-f]{8}$`));
  });

  it('fails with ZipError for a file that is no zip, and for a member it does not hold', async () => {
    const notZip = write('not.zip', gzipSync(text));
    const a = await lastValueFrom(fromZipMember(notZip, 'x').pipe(toArray())).catch((e: unknown) => e);
    expect(a).toBeInstanceOf(ZipError);
    expect((a as Error).message).toContain('expected a zip end of central directory record (0x06054b50)');
    const zip = write('one.zip', zipArchive([{ name: 'gzip/a.txt', data: text }]));
    const b = await lastValueFrom(fromZipMember(zip, 'b.txt').pipe(toArray())).catch((e: unknown) => e);
    expect((b as Error).message).toBe(`${zip}: expected a member named b.txt, found 1 other members (gzip/a.txt)`);
  });
});

describe('a streamed read of a large archive', () => {
  it('holds a small fraction of the zip in memory while it reads ~100 MB of members', () => {
    const dir = mkdtempSync(join(tmpdir(), 'idxflow-emnist-big-'));
    const count = 130_000; // 102 MB of pixels
    const stored = new Uint8Array(count * 784);
    const upright = createHash('sha256');
    for (let i = 0; i < count; i++) {
      const image = uprightImage(3, i);
      upright.update(image);
      stored.set(transpose(image, 28, 28), i * 784);
    }
    const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
    // Stored gzip blocks in stored zip members: the archive is as large as its members.
    const zip = zipArchive([
      { name: 'gzip/emnist-digits-train-images-idx3-ubyte.gz', data: gzipSync(idxBytes(stored, [count, 28, 28]), { level: 0 }), method: 0 },
      { name: 'gzip/emnist-digits-train-labels-idx1-ubyte.gz', data: gzipSync(idxBytes(labels, [count])), method: 0 },
    ]);
    writeFileSync(join(dir, 'gzip.zip'), zip);
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(ROOT, 'test', 'core', 'zipMemoryChild.ts'), dir], { cwd: ROOT, encoding: 'utf8' });
    const result = JSON.parse(out) as { count: number; sha256: string; peak: number; blocks: number };
    expect(result.count).toBe(count);
    expect(result.sha256).toBe(upright.digest('hex'));
    expect(zip.length).toBeGreaterThan(100e6);
    console.log(`streamed ${(zip.length / 1e6).toFixed(1)} MB zip in ${result.blocks} blocks: peak live memory above baseline ${(result.peak / 1e6).toFixed(2)} MB`);
    expect(result.peak).toBeLessThan(zip.length / 10);
  });
});
