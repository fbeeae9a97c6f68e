import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { concat, from, throwError } from 'rxjs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { idx } from '@idxflow/core';
import { ExportCountError, toPngFolder } from '../../../packages/sinks/src/files/index.js';
import { decodeGreyPng, epochsOf, listFiles, mnistTest, randomDataset, sha256, tmp } from './fixtures.js';

/** Decodes a PNG with sharp: its pixels as one grey channel, and what the file says it holds. */
async function decode(path: string): Promise<{ pixels: Buffer; width: number; height: number; channels: number; format: string }> {
  const meta = await sharp(path).metadata();
  const pixels = await sharp(path).toColourspace('b-w').raw().toBuffer();
  return { pixels, width: meta.width!, height: meta.height!, channels: meta.channels!, format: meta.format! };
}

describe('toPngFolder', () => {
  it('writes <label>/<position:08d>.png, labels.csv and SHA256SUMS for 37 images in blocks of 5, 7 and 25', async () => {
    const { blocks, images, labels, indices } = randomDataset(37, [5, 7, 25]);
    const epochs = epochsOf(blocks);
    const dir = tmp();
    const summary = await toPngFolder(from(blocks), { dir, concurrency: 3 });
    const paths = Array.from(labels, (label, i) => `${label}/${String(i).padStart(8, '0')}.png`);
    expect(listFiles(dir)).toEqual([...paths, 'SHA256SUMS', 'labels.csv'].sort());
    for (let i = 0; i < 37; i++) {
      const png = await decode(join(dir, paths[i]));
      expect([png.format, png.width, png.height, png.channels]).toEqual(['png', 28, 28, 1]);
      expect(png.pixels.equals((images as Uint8Array).subarray(i * 784, (i + 1) * 784))).toBe(true);
    }
    const rows = readFileSync(join(dir, 'labels.csv'), 'utf8').split('\n');
    expect(rows).toEqual(['path,label,index,epoch', ...paths.map((p, i) => `${p},${labels[i]},${indices[i]},${epochs[i]}`), '']);
    const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8');
    expect(sums).toBe(paths.map((p) => `${sha256(readFileSync(join(dir, p)))}  ${p}\n`).join(''));
    expect(summary).toMatchObject({ dir, count: 37, shape: [28, 28], dtype: 'uint8' });
    for (const file of summary.files) expect(file.sha256).toBe(sha256(readFileSync(join(dir, file.name))));
    expect(summary.files.map((f) => f.name)).toEqual(['labels.csv', 'SHA256SUMS']);
  });

  it('writes the real MNIST test set: every PNG decodes (second decoder) to its source image', async () => {
    const mnist = mnistTest();
    const dir = tmp();
    const summary = await toPngFolder(idx({ images: mnist.imagesFile, labels: mnist.labelsFile }), { dir, split: 'test', expectedCount: 10000 });
    expect(summary.count).toBe(10000);
    const rows = readFileSync(join(dir, 'labels.csv'), 'utf8').trim().split('\n').slice(1);
    expect(rows.length).toBe(10000);
    for (let i = 0; i < 10000; i++) {
      const [path, label, index, epoch] = rows[i].split(',');
      expect([path, Number(label), Number(index), epoch]).toEqual([`${mnist.labels[i]}/${String(i).padStart(8, '0')}.png`, mnist.labels[i], i, '0']);
      const png = decodeGreyPng(readFileSync(join(dir, path)));
      expect([png.width, png.height]).toEqual([28, 28]);
      if (!Buffer.from(png.pixels).equals(mnist.images.subarray(i * 784, (i + 1) * 784))) expect.fail(`${path} does not decode to test image ${i}`);
    }
    expect(readdirSync(dir).sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'SHA256SUMS', 'labels.csv']);
  });

  it('rejects float32 images, a count other than expectedCount and a bad concurrency, leaving no PNG, no labels.csv', async () => {
    const dir = tmp();
    const float = randomDataset(4, [4], { float: true }).blocks;
    await expect(toPngFolder(from(float), { dir })).rejects.toThrow(
      'Expected uint8 images for a PNG export but received float32 (PNG stores 8-bit pixels: export before normalize(), or use npy or npz)',
    );
    const { blocks } = randomDataset(12, [5]);
    await expect(toPngFolder(from(blocks), { dir, expectedCount: 11 })).rejects.toBeInstanceOf(ExportCountError);
    await expect(toPngFolder(from(blocks), { dir, expectedCount: 13 })).rejects.toThrow('expected 13 samples (expectedCount), found 12');
    await expect(toPngFolder(from(blocks), { dir, concurrency: 0 })).rejects.toThrow('Expected integer >= 1 for concurrency but received 0 of type number');
    await expect(toPngFolder(concat(from(blocks), throwError(() => new Error('worker died'))), { dir })).rejects.toThrow('worker died');
    const controller = new AbortController();
    const onProgress = (n: number): void => void (n >= 3 && controller.abort(new Error('user pressed ^C')));
    await expect(toPngFolder(from(blocks), { dir, concurrency: 2, signal: controller.signal, onProgress })).rejects.toThrow('user pressed ^C');
    expect(existsSync(join(dir, 'labels.csv'))).toBe(false);
    expect(listFiles(dir)).toEqual([]); // a failed export removes the PNGs it wrote, and their folders
  });

  it('writes the labels.csv header once, whatever blocks come first (an empty block, or none at all)', async () => {
    const empty = { ...randomDataset(1, [1]).blocks[0], images: new Uint8Array(0), labels: new Uint8Array(0), indices: new Uint32Array(0), shape: [0, 28, 28] as [number, number, number] };
    const { blocks, labels } = randomDataset(3, [3]);
    const dir = tmp();
    await toPngFolder(from([empty, ...blocks]), { dir });
    const rows = readFileSync(join(dir, 'labels.csv'), 'utf8').split('\n');
    expect(rows.filter((r) => r === 'path,label,index,epoch')).toHaveLength(1);
    expect(rows.length).toBe(1 + 3 + 1); // header, 3 rows, the final newline
    expect(rows[1].split(',')[1]).toBe(String(labels[0]));
    const none = tmp();
    await toPngFolder(from([empty]), { dir: none });
    expect(readFileSync(join(none, 'labels.csv'), 'utf8')).toBe('path,label,index,epoch\n');
  });

  it('a failed part removes the PNGs of its own positions only: another part writing into the same folders keeps its own', async () => {
    const dir = tmp();
    const { blocks, labels } = randomDataset(10, [10]);
    // Part 2 of 2 (positions 10-19) is complete in the same label folders.
    await toPngFolder(from(blocks), { dir, position: 10, tag: 'part-2' });
    const theirs = listFiles(dir).filter((f) => f.endsWith('.png'));
    expect(theirs).toHaveLength(10);
    // Part 1 (positions 0-9) writes its block of the same labels, then is stopped.
    const controller = new AbortController();
    const onProgress = (n: number): void => void (n >= 10 && controller.abort(new Error('user pressed ^C')));
    const part1 = toPngFolder(from(blocks), { dir, position: 0, tag: 'part-1', signal: controller.signal, onProgress, expectedCount: 20 });
    await expect(part1).rejects.toThrow('user pressed ^C');
    expect(listFiles(dir).filter((f) => f.endsWith('.png'))).toEqual(theirs);
    expect(theirs.every((f) => Number(/(\d{8})\.png$/.exec(f)![1]) >= 10)).toBe(true);
    expect(new Set(theirs.map((f) => f.split('/')[0]))).toEqual(new Set(Array.from(labels, String)));
  });
});
