// --limit N: the first N samples of a split, for quick trials, in export, serve and preview. The
// expectations are the bytes of the raw MNIST files themselves.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSamples } from '../fixtures/frames.js';
import { CLI, raw } from '../fixtures/mnist.js';
import { startServer, type RunningServer } from '../fixtures/server.js';

const idxflow = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const tmp = (): string => mkdtempSync(join(tmpdir(), 'idxflow-limit-'));
const PIXELS = 28 * 28;

/** The first `n` images and labels of a raw MNIST split (past the 16- and 8-byte headers). */
function firstOf(split: 'train' | 't10k', n: number): { images: Buffer; labels: Buffer } {
  return {
    images: readFileSync(raw(`${split}-images-idx3-ubyte`)).subarray(16, 16 + n * PIXELS),
    labels: readFileSync(raw(`${split}-labels-idx1-ubyte`)).subarray(8, 8 + n),
  };
}

/** The data of a .npy file (version 1: the header length is the uint16 at byte 8). */
const npyData = (path: string): Buffer => {
  const bytes = readFileSync(path);
  return bytes.subarray(10 + bytes.readUInt16LE(8));
};

let server: RunningServer | undefined;
afterAll(async () => void (await server?.stop()));

describe('--limit N', () => {
  it('export writes exactly the first N samples of the split', () => {
    const out = join(tmp(), 'out');
    const r = idxflow('export', '--split', 'test', '--limit', '5', '--format', 'npy', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^exported 5 images \(npy\)/);
    const first = firstOf('t10k', 5);
    expect(npyData(join(out, 'test-images.npy')).equals(first.images)).toBe(true);
    expect(npyData(join(out, 'test-labels.npy')).equals(first.labels)).toBe(true);
  });

  it('export --split all takes the first N of each split, with the copies of train', () => {
    const out = join(tmp(), 'raw');
    const r = idxflow('export', '--split', 'all', '--limit', '3', '--copies', '2', '--format', 'idx', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^exported 9 images \(idx\)/); // 3 x 2 train, 3 test
    const train = firstOf('train', 3);
    const images = readFileSync(join(out, 'train-images-idx3-ubyte'));
    expect(images.readUInt32BE(4)).toBe(6);
    expect(images.subarray(16).equals(Buffer.concat([train.images, train.images]))).toBe(true);
    const test = readFileSync(join(out, 't10k-labels-idx1-ubyte'));
    expect(test.subarray(8).equals(firstOf('t10k', 3).labels)).toBe(true);
  });

  it('a limit beyond the split takes the whole split', () => {
    const out = join(tmp(), 'out');
    const r = idxflow('export', '--split', 'test', '--limit', '2147483647', '--format', 'npy', '--out', out);
    expect(r.stdout).toMatch(/^exported 10000 images \(npy\)/);
  });

  it('serve streams an epoch of the first N samples', async () => {
    server = await startServer(['--split', 'test', '--limit', '7', '--workers', '0']);
    const samples = await readSamples(`${server.url}/batches?eval=1&batch=4`);
    const first = firstOf('t10k', 7);
    expect(samples.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Buffer.concat(samples.map((s) => s.image)).equals(first.images)).toBe(true);
    expect(samples.map((s) => s.label)).toEqual([...first.labels]);
  });

  it('preview picks its rows (classes 0, 1, ..., 9 in turn) among the first N only', () => {
    // The shortest prefix of the test labels holding 0, then 1, ..., then 9, in that order.
    const labels = firstOf('t10k', 10000).labels;
    let need = 0;
    for (let found = 0; found < 10; need++) if (labels[need] === found) found++;
    const out = join(tmp(), 'sheet.png');
    const short = idxflow('preview', '--split', 'test', '--limit', String(need - 1), '--grid', '10x2', '--out', out);
    expect(short.stderr).toBe('idxflow: Expected at least 10 samples for --grid but the source has fewer\n');
    expect(short.status).toBe(2);
    const enough = idxflow('preview', '--split', 'test', '--limit', String(need), '--grid', '10x2', '--out', out);
    expect(enough.stderr).toBe('');
    expect(enough.stdout).toBe(`wrote ${out}\n`);
  });
});
