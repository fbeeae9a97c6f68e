// joinParts() through the public road the CLI takes (runExport per part, mergeManifests,
// joinParts, writeManifest, removeParts), in process: every array format, uint8 and float32
// images, soft labels, the test split's names, parts that hold no sample, and parts of more than
// the 1 MiB the join reads at a time. The reference is the same export run as one part, and the
// positional samples themselves.
import { readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Block } from '@idxflow/core';
import { JOINED_FORMATS, joinParts, manifestName, PartJoinError, mergeManifests, readManifest, removeParts, runExport, writeManifest, type ExportFormat, type ExportSection, type Manifest } from '../../../packages/sinks/src/files/index.js';
import { listFiles, parseNpy, sha256, tmp } from './fixtures.js';
import { python } from '../../fixtures/python.js';
import { labelAt, positionalBlock, positionalData, SIDE } from './positional.js';

type Kind = 'uint8' | 'float32' | 'soft' | 'tasks';

/** Sample `position`'s task: a function of the position only. */
const taskAt = (position: number): number => (position * 7) % 5;
const CLASSES = 3;

/** Sample `position`'s soft labels: a function of the position only. */
const softAt = (position: number, c: number): number => ((position * 5 + c * 3) % 11) / 11;

/** Samples `[first, first + count)` in blocks of 700, as `kind`. */
function blocksOf(kind: Kind, first: number, count: number): Block[] {
  const blocks: Block[] = [];
  for (let at = first; at < first + count; at += 700) {
    const block = positionalBlock(at, Math.min(700, first + count - at));
    const n = block.shape[0];
    if (kind === 'float32') blocks.push({ ...block, images: Float32Array.from(block.images, (v) => v / 255 - 0.5) });
    else if (kind === 'tasks') blocks.push({ ...block, tasks: Uint8Array.from({ length: n }, (_, i) => taskAt(at + i)) });
    else if (kind === 'soft') blocks.push({ ...block, softLabels: Float32Array.from({ length: n * CLASSES }, (_, i) => softAt(at + Math.floor(i / CLASSES), i % CLASSES)) });
    else blocks.push(block);
  }
  return blocks;
}

const sectionOf = (split: 'train' | 'test', total: number, kind: Kind): ExportSection => ({ split, total, source: (first, count) => from(blocksOf(kind, first, count)) });

/** Every file under `dir` (hidden ones too), by relative path, with the SHA-256 of its bytes. */
const contents = (dir: string): Record<string, string> => Object.fromEntries(listFiles(dir).map((n) => [n, sha256(readFileSync(join(dir, n)))]));

/** Writes the export whole into one folder and in `of` parts into another, then joins the parts as `merge-manifests` does. */
async function exportAndJoin(format: ExportFormat, split: 'train' | 'test', total: number, of: number, kind: Kind): Promise<{ single: string; parts: string; joined: Manifest; counts: number[] }> {
  const manifest = { version: '0.0.0-test', seed: 5, pipeline: { kind } };
  const single = tmp();
  await runExport({ dir: single, format, sections: [sectionOf(split, total, kind)], manifest });
  const parts = tmp();
  for (let index = 0; index < of; index++) await runExport({ dir: parts, format, part: { index, of }, sections: [sectionOf(split, total, kind)], manifest });
  const manifests: Manifest[] = [];
  for (let index = 0; index < of; index++) manifests.push((await readManifest(join(parts, manifestName({ index, of }))))!);
  const joined = await joinParts(parts, manifests, mergeManifests(manifests, parts));
  const { files, count, shape, dtype, idxflow, seed, pipeline } = joined;
  await writeManifest(parts, { dir: parts, files, count, shape, dtype }, { version: idxflow, format, seed: seed ?? undefined, pipeline: pipeline ?? undefined });
  await removeParts(parts, manifests, joined);
  return { single, parts, joined, counts: manifests.map((m) => m.count) };
}

describe('joinParts', () => {
  it('joins the array formats and PNG folders', () => expect(JOINED_FORMATS).toEqual(['idx', 'idx.gz', 'npy', 'npz', 'png']));

  for (const format of ['idx', 'idx.gz', 'npy', 'npz'] as const) {
    it(`${format}: 3 parts of over 1 MiB each join into the single export's files and manifest`, async () => {
      // 50,001 samples of 64 bytes: parts of 16,667 samples, 1,066,688 bytes of images each.
      const { single, parts, joined, counts } = await exportAndJoin(format, 'train', 50001, 3, 'uint8');
      expect(counts).toEqual([16667, 16667, 16667]);
      expect(contents(parts)).toEqual(contents(single));
      expect(joined).toEqual(JSON.parse(readFileSync(join(single, 'manifest.json'), 'utf8')));
    });
  }

  it('npy: the joined arrays are the samples themselves (numpy layout, parsed here)', async () => {
    const { parts } = await exportAndJoin('npy', 'train', 50001, 3, 'uint8');
    const expected = positionalData(50001);
    const images = parseNpy(readFileSync(join(parts, 'train-images.npy')));
    expect([images.descr, images.shape]).toEqual(['|u1', [50001, SIDE, SIDE]]);
    expect(Buffer.from(images.body).equals(Buffer.from(expected.images))).toBe(true);
    const labels = parseNpy(readFileSync(join(parts, 'train-labels.npy')));
    expect(Buffer.from(labels.body).equals(Buffer.from(expected.labels))).toBe(true);
  });

  for (const format of ['idx', 'npy', 'npz'] as const) {
    it(`${format}: float32 images of the test split, over 5 parts of which one holds no sample`, async () => {
      const { single, parts, counts } = await exportAndJoin(format, 'test', 4, 5, 'float32');
      expect(counts).toEqual([0, 1, 1, 1, 1]);
      const names = { idx: ['manifest.json', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'], npy: ['manifest.json', 'test-images.npy', 'test-labels.npy'], npz: ['manifest.json', 'test.npz'] }[format];
      expect(Object.keys(contents(single))).toEqual(names);
      expect(contents(parts)).toEqual(contents(single));
    });
  }

  it('png: labels.csv and SHA256SUMS join into the single export\'s, beside the images the parts wrote', async () => {
    const { single, parts, joined } = await exportAndJoin('png', 'train', 500, 3, 'uint8');
    expect(joined.files.map((f) => f.name)).toEqual(['SHA256SUMS', 'labels.csv']);
    expect(contents(parts)).toEqual(contents(single));
    const rows = readFileSync(join(parts, 'labels.csv'), 'utf8').split('\n');
    expect(rows.slice(0, 2)).toEqual(['path,label,index,epoch', `${labelAt(0)}/00000000.png,${labelAt(0)},0,0`]);
    expect(rows.slice(-2)).toEqual([`${labelAt(499)}/00000499.png,${labelAt(499)},499,0`, '']);
  });

  it('npy: soft labels join into <split>-soft-labels.npy, as the single export writes it', async () => {
    const { single, parts } = await exportAndJoin('npy', 'train', 2500, 3, 'soft');
    expect(Object.keys(contents(parts))).toEqual(['manifest.json', 'train-images.npy', 'train-labels.npy', 'train-soft-labels.npy']);
    expect(contents(parts)).toEqual(contents(single));
    const soft = parseNpy(readFileSync(join(parts, 'train-soft-labels.npy')));
    expect([soft.descr, soft.shape]).toEqual(['<f4', [2500, CLASSES]]);
    const expected = Float32Array.from({ length: 2500 * CLASSES }, (_, i) => softAt(Math.floor(i / CLASSES), i % CLASSES));
    expect(Buffer.from(soft.body).equals(Buffer.from(expected.buffer))).toBe(true);
  });

  it('npz: soft labels join into the member soft_labels.npy of <split>.npz, as the single export writes it (numpy reads it)', async () => {
    const { single, parts } = await exportAndJoin('npz', 'test', 2500, 3, 'soft');
    expect(Object.keys(contents(parts))).toEqual(['manifest.json', 'test.npz']);
    expect(contents(parts)).toEqual(contents(single));
    const read = python("import numpy as np, sys, json; f = np.load(sys.argv[1]); s = f['soft_labels']; print(json.dumps([sorted(f.files), str(s.dtype), list(s.shape), s.ravel().tolist()]))", join(parts, 'test.npz')) as [string[], string, number[], number[]];
    expect(read.slice(0, 3)).toEqual([['soft_labels', 'x', 'y'], 'float32', [2500, CLASSES]]);
    expect(read[3]).toEqual(Array.from(Float32Array.from({ length: 2500 * CLASSES }, (_, i) => softAt(Math.floor(i / CLASSES), i % CLASSES))));
  });

  it('npy and npz: tasks join into <split>-tasks.npy and the member tasks.npy, as the single export writes them (numpy reads them)', async () => {
    const npy = await exportAndJoin('npy', 'train', 2500, 3, 'tasks');
    expect(Object.keys(contents(npy.parts))).toEqual(['manifest.json', 'train-images.npy', 'train-labels.npy', 'train-tasks.npy']);
    expect(contents(npy.parts)).toEqual(contents(npy.single));
    const npz = await exportAndJoin('npz', 'test', 2500, 3, 'tasks');
    expect(contents(npz.parts)).toEqual(contents(npz.single));
    const read = python(
      "import numpy as np, sys, json; a = np.load(sys.argv[1]); f = np.load(sys.argv[2]); print(json.dumps([str(a.dtype), list(a.shape), a.tolist(), sorted(f.files), f['tasks'].tolist()]))",
      join(npy.parts, 'train-tasks.npy'),
      join(npz.parts, 'test.npz'),
    ) as [string, number[], number[], string[], number[]];
    const expected = Array.from({ length: 2500 }, (_, i) => taskAt(i));
    expect(read).toEqual(['uint8', [2500], expected, ['tasks', 'x', 'y'], expected]);
  });

  it('npz: parts with and without soft labels are refused, naming the part without them, and nothing is joined', async () => {
    const parts = tmp();
    const manifest = { version: '0.0.0-test', seed: 5, pipeline: { kind: 'mixed' } };
    for (const [index, kind] of (['soft', 'uint8'] as const).entries()) await runExport({ dir: parts, format: 'npz', part: { index, of: 2 }, sections: [sectionOf('train', 1000, kind)], manifest });
    const manifests = await Promise.all([0, 1].map(async (index) => (await readManifest(join(parts, manifestName({ index, of: 2 }))))!));
    const before = contents(parts);
    const error = await joinParts(parts, manifests, mergeManifests(manifests, parts)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartJoinError);
    expect((error as Error).message).toBe(`${join(parts, 'train.part-00001-of-00002.npz')}: expected a member soft_labels.npy (soft labels) as part 0 has, found none`);
    expect(contents(parts)).toEqual(before);
  });

  it('a part cut short: PartJoinError naming the file and offset, the parts as they were and no joined file or temporary', async () => {
    const parts = tmp();
    const manifests: Manifest[] = [];
    for (let index = 0; index < 3; index++) {
      await runExport({ dir: parts, format: 'npy', part: { index, of: 3 }, sections: [sectionOf('train', 30000, 'uint8')], manifest: { version: '0.0.0-test' } });
      manifests.push((await readManifest(join(parts, manifestName({ index, of: 3 }))))!);
    }
    const cut = join(parts, 'train-images.part-00002-of-00003.npy');
    truncateSync(cut, 128 + 10000 * SIDE * SIDE - 5);
    manifests[2].files = manifests[2].files.map((f) => (f.name.startsWith('train-images') ? { ...f, bytes: 128 + 10000 * SIDE * SIDE - 5 } : f));
    const before = contents(parts);
    const error = await joinParts(parts, manifests, mergeManifests(manifests, parts)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartJoinError);
    expect(error).toMatchObject({ file: cut, offset: 128, expected: `${10000 * SIDE * SIDE} bytes of samples after the header`, found: `${10000 * SIDE * SIDE - 5}` });
    expect(contents(parts)).toEqual(before);
  });

  it('wds parts are the whole export\'s shards: the manifest comes back as it is, nothing joined', async () => {
    const parts = tmp();
    const manifests: Manifest[] = [];
    for (let index = 0; index < 2; index++) {
      await runExport({ dir: parts, format: 'wds', shardSize: 10, part: { index, of: 2 }, sections: [sectionOf('train', 40, 'uint8')], manifest: { version: '0.0.0-test' } });
      manifests.push((await readManifest(join(parts, manifestName({ index, of: 2 }))))!);
    }
    const whole = mergeManifests(manifests, parts);
    const before = contents(parts);
    expect(await joinParts(parts, manifests, whole)).toBe(whole);
    expect(contents(parts)).toEqual(before);
  });
});
