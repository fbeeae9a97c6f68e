import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetEntry, DatasetNotFoundError, kuzushiji49, K49 } from '@idxflow/core/internal';
import { pixelsOf, savezOne, sha256 } from '../fixtures/collections.js';
import { serveFiles, type FileServer } from '../fixtures/datasetServer.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'idxflow-k49-'));

// The K49 layout: an images npz (n, 28, 28) uint8 and a labels npz (n,) int64, each arr_0.
const n = 7;
const images = new Uint8Array(n * 784);
for (let i = 0; i < n; i++) images.set(pixelsOf(49, i, 784), i * 784);
const labels = Uint8Array.of(0, 5, 12, 43, 47, 48, 1);
const imagesNpz = savezOne('|u1', [n, 28, 28], images);
const labelsNpz = savezOne('<i8', [n], labels);

let server: FileServer;
beforeAll(async () => {
  server = await serveFiles({ '/k49/k49-test-imgs.npz': imagesNpz, '/k49/k49-test-labels.npz': labelsNpz });
});
afterAll(() => server.close());

describe('kuzushiji49()', () => {
  it('downloads the npz pair with pinned SHA-256s and reads images and labels, with hiragana class names', async () => {
    const spec = {
      ...K49,
      mirrors: [`${server.base}/k49/`],
      files: { ...K49.files, test: { images: { name: 'k49-test-imgs.npz', size: imagesNpz.length, sha256: sha256(imagesNpz) }, labels: { name: 'k49-test-labels.npz', size: labelsNpz.length, sha256: sha256(labelsNpz) } } },
    };
    const blocks = await lastValueFrom(kuzushiji49({ split: 'test', cacheDir: tmp() }, spec).pipe(toArray()));
    expect(blocks.flatMap((b) => [...b.labels])).toEqual([...labels]);
    expect(blocks.flatMap((b) => [...b.images])).toEqual([...images]);
    expect(blocks[0].shape.slice(1)).toEqual([28, 28]);
    const classes = datasetEntry('kuzushiji-49')!.classes;
    // k49_classmap.csv: 0 U+3042 あ, 5 U+304B か, 12 U+3059 す, 43 U+308F わ, 47 U+3093 ん, 48 U+309D ゝ.
    expect([...labels].map((l) => classes[l].codePointAt(0)!.toString(16))).toEqual(['3042', '304b', '3059', '308f', '3093', '309d', '3044']);
    expect(classes).toHaveLength(49);
    expect(datasetEntry('kuzushiji-49')!.card.license).toBe('cc-by-sa-4.0');
  });

  it('names the URL to fetch the files from when they are nowhere (no published checksum, so no download)', async () => {
    const error = await lastValueFrom(kuzushiji49({ split: 'train', cacheDir: tmp() })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect((error as Error).message).toContain('k49-train-imgs.npz in ');
    expect((error as Error).message).toContain('(download it from http://codh.rois.ac.jp/kmnist/dataset/k49/k49-train-imgs.npz): no checksum is published for it');
  });
});
