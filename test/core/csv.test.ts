import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csv, CsvFormatError, DatasetNotFoundError, IdxflowError, signLanguageMnist, SIGN_LANGUAGE_CLASSES, type Block, type CsvDatasetSpec } from '@idxflow/core/internal';
import { serveFiles, type FileServer } from '../fixtures/datasetServer.js';
import { ROOT } from '../fixtures/mnist.js';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'idxflow-csv-'));
const read = (path: string, options: Partial<Parameters<typeof csv>[0]> = {}): Promise<Block<Uint8Array>[]> => lastValueFrom(csv({ path, ...options }).pipe(toArray()));
const failure = async (path: string): Promise<CsvFormatError> => (await read(path).catch((e: unknown) => e)) as CsvFormatError;

/** A CSV text of rows [label, ...pixels], with Sign Language MNIST's header when asked. */
function csvText(rows: number[][], header: boolean): string {
  const head = header ? ['label', ...rows[0].slice(1).map((_, i) => `pixel${i + 1}`)].join(',') + '\n' : '';
  return head + rows.map((r) => r.join(',')).join('\n') + '\n';
}

describe('csv()', () => {
  // Three 2 x 2 images, written by hand.
  const rows = [
    [3, 0, 255, 7, 8],
    [1, 1, 2, 3, 4],
    [24, 9, 10, 100, 200],
  ];

  it('reads label,pixel rows (with a header, CRLF line ends, a blank last line) into blocks of blockSize', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'a.csv'), csvText(rows, true).replace(/\n/g, '\r\n') + '\r\n');
    const blocks = await read(join(dir, 'a.csv'), { blockSize: 2, chunkSize: 5 });
    expect(blocks.map((b) => b.shape)).toEqual([[2, 2, 2], [1, 2, 2]]);
    expect(blocks.flatMap((b) => [...b.labels])).toEqual([3, 1, 24]);
    expect(blocks.flatMap((b) => [...b.indices])).toEqual([0, 1, 2]);
    expect(blocks.flatMap((b) => [...b.images])).toEqual(rows.flatMap((r) => r.slice(1)));
  });

  it('reads a CSV without a header, and takes the height and width given', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'b.csv'), csvText(rows, false));
    const [block] = await read(join(dir, 'b.csv'), { height: 1, width: 4 });
    expect(block.shape).toEqual([3, 1, 4]);
    expect([...block.labels]).toEqual([3, 1, 24]);
    expect([...block.images]).toEqual(rows.flatMap((r) => r.slice(1)));
  });

  it('refuses a malformed row with a CsvFormatError naming the file, line and column', async () => {
    const dir = tmp();
    const cases: [string, string, number, number, string][] = [
      ['bad-char', 'label,p1,p2,p3,p4\n1,2,3,4,5\n6,7,x,9,10\n', 3, 3, 'expected a pixel value from 0 to 255, found "x"'],
      ['too-large', '1,2,3,4,5\n6,7,8,256,10\n', 2, 4, 'expected a pixel value from 0 to 255, found a larger number'],
      ['short-row', '1,2,3,4,5\n6,7,8,9\n', 2, 4, 'expected 5 columns, found 4'],
      ['long-row', '1,2,3,4,5\n6,7,8,9,10,11\n', 2, 6, 'expected 5 columns as in the header or first row, found more'],
      ['empty-field', '1,2,,4,5\n', 1, 3, 'expected a pixel value from 0 to 255, found an empty field'],
      ['bad-header', 'class,p1,p2,p3,p4\n1,2,3,4,5\n', 1, 1, 'expected a header starting with label (label,pixel1,...) or none, found "class"'],
      ['not-square', '1,2,3\n', 1, 2, 'expected a square number of pixel columns (or the options height and width), found 2'],
    ];
    for (const [name, text, line, column, says] of cases) {
      const path = join(dir, `${name}.csv`);
      writeFileSync(path, text);
      const error = await failure(path);
      expect(error).toBeInstanceOf(CsvFormatError);
      expect(error).toBeInstanceOf(IdxflowError);
      expect(error.code).toBe('IDXFLOW_CSV_FORMAT');
      expect([error.file, error.line, error.column]).toEqual([path, line, column]);
      expect(error.message).toContain(`${path} line ${line} column ${column}`);
      expect(error.message).toContain(says);
    }
  });

  it('streams a 60,000-row CSV holding under a tenth of the file in memory', () => {
    const dir = tmp();
    const count = 60000;
    const pixelHash = createHash('sha256');
    const labels = new Uint8Array(count);
    const lines: string[] = ['label,' + Array.from({ length: 784 }, (_, i) => `pixel${i + 1}`).join(',')];
    const image = new Uint8Array(784);
    for (let i = 0; i < count; i++) {
      for (let p = 0; p < 784; p++) image[p] = (i * 31 + p * 7) % 256;
      labels[i] = i % 25;
      pixelHash.update(image);
      lines.push(`${labels[i]},${image.join(',')}`);
    }
    const path = join(dir, 'big.csv');
    writeFileSync(path, lines.join('\n') + '\n');
    const size = statSync(path).size;
    let out: string;
    try {
      out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(ROOT, 'test', 'core', 'csvMemoryChild.ts'), path], { cwd: ROOT, encoding: 'utf8' });
    } finally {
      rmSync(dir, { recursive: true, force: true }); // 168 MB
    }
    const result = JSON.parse(out) as { count: number; pixels: string; labels: string; peak: number; blocks: number };
    expect(result.count).toBe(count);
    expect(result.pixels).toBe(pixelHash.digest('hex'));
    expect(result.labels).toBe(sha256(labels));
    console.log(`streamed a ${(size / 1e6).toFixed(1)} MB CSV in ${result.blocks} blocks: peak live memory above baseline ${(result.peak / 1e6).toFixed(2)} MB`);
    expect(result.peak).toBeLessThan(size / 10);
  });
});

describe('signLanguageMnist()', () => {
  // Sign Language MNIST's layout: a header, then label (A = 0 ... Y = 24, never 9) and 784 pixels.
  const rows = [0, 8, 10, 24].map((label, i) => [label, ...Array.from({ length: 784 }, (_, p) => (label * 10 + p + i) % 256)]);
  const file = new TextEncoder().encode(csvText(rows, true));
  let server: FileServer;
  let spec: CsvDatasetSpec;
  beforeAll(async () => {
    server = await serveFiles({ '/asl/sign_mnist_test.csv': file });
    spec = { id: 'sign-language-mnist', mirrors: [`${server.base}/asl/`], files: { train: { name: 'sign_mnist_train.csv', size: 0, sha256: '0'.repeat(64) }, test: { name: 'sign_mnist_test.csv', size: file.length, sha256: sha256(file) } } };
  });
  afterAll(() => server.close());

  it('downloads a split from a mirror with its pinned SHA-256 into the cache and reads its letters', async () => {
    const cacheDir = tmp();
    const [block] = await lastValueFrom(signLanguageMnist({ split: 'test', cacheDir }, spec).pipe(toArray()));
    expect(readFileSync(join(cacheDir, 'sign-language-mnist', 'sign_mnist_test.csv'))).toEqual(Buffer.from(file));
    expect(block.shape).toEqual([4, 28, 28]);
    expect([...block.images]).toEqual(rows.flatMap((r) => r.slice(1)));
    // Labels are places in the alphabet: A, I, K, Y (J, 9, is never signed).
    expect([...block.labels].map((l) => SIGN_LANGUAGE_CLASSES[l])).toEqual(['A', 'I', 'K', 'Y']);
    expect(SIGN_LANGUAGE_CLASSES.filter((c) => c !== 'N/A')).toEqual([...'ABCDEFGHIKLMNOPQRSTUVWXY']);
  });

  it('is a DatasetNotFoundError when the mirror serves other bytes, or the file is nowhere', async () => {
    const error = await lastValueFrom(signLanguageMnist({ split: 'train', cacheDir: tmp() }, spec)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect((error as DatasetNotFoundError).tried.map((t) => t.kind)).toEqual(['cache', 'mirror']);
    const offline = await lastValueFrom(signLanguageMnist({ split: 'test', cacheDir: tmp() })).catch((e: unknown) => e);
    expect(offline).toBeInstanceOf(DatasetNotFoundError);
    expect((offline as Error).message).toContain('sign_mnist_test.csv');
  });
});
