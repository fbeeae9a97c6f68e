import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { from, Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Block } from '@idxflow/core';
import { EXPORT_FORMATS, ExportCountError, ExportRefusedError, exportTo, writeManifest, type ExportFormat } from '../../../packages/sinks/src/files/index.js';
import { ROOT } from '../../fixtures/mnist.js';
import { listFiles, randomDataset, sha256, tmp } from './fixtures.js';

const FILES: Record<ExportFormat, string[]> = {
  idx: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
  'idx.gz': ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'],
  npy: ['test-images.npy', 'test-labels.npy'],
  npz: ['test.npz'],
  png: ['labels.csv', 'SHA256SUMS'],
  wds: ['shard-000000.tar', 'shard-000001.tar'],
  hf: ['README.md', 'data/test-00000-of-00001.parquet'],
};

describe('exportTo', () => {
  it('dispatches every format and writes manifest.json last with the SHA-256 of every file', async () => {
    const { blocks, labels } = randomDataset(37, [5, 7, 25]);
    expect(EXPORT_FORMATS).toEqual(Object.keys(FILES));
    for (const format of EXPORT_FORMATS) {
      const dir = join(tmp(), 'nested', format); // created if missing
      const progress: number[] = [];
      const pipeline = { rotate: 15, format };
      const summary = await exportTo(from(blocks), {
        format,
        dir,
        split: 'test',
        ...(format === 'wds' ? { shardSize: 20 } : {}),
        expectedCount: 37,
        manifest: { seed: 42, pipeline, version: '9.9.9' },
        onProgress: (n) => progress.push(n),
      });
      const pngs = format === 'png' ? Array.from(labels, (l, i) => `${l}/${String(i).padStart(8, '0')}.png`) : [];
      expect(listFiles(dir)).toEqual([...FILES[format], ...pngs, 'manifest.json'].sort());
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
      expect(manifest).toEqual({
        idxflow: '9.9.9',
        format,
        count: 37,
        shape: [28, 28],
        dtype: 'uint8',
        seed: 42,
        pipeline,
        files: [...FILES[format]].sort().map((name) => {
          const bytes = readFileSync(join(dir, name));
          return { name, bytes: bytes.length, sha256: sha256(bytes) };
        }),
      });
      expect([...summary.files].sort((a, b) => (a.name < b.name ? -1 : 1))).toEqual(manifest.files); // the manifest sorts them by name
      expect(progress.at(-1)).toBe(37);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      if (format === 'png') {
        // The PNGs are covered through SHA256SUMS, whose own hash the manifest holds.
        const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8').trim().split('\n');
        expect(sums).toEqual(pngs.map((p) => `${sha256(readFileSync(join(dir, p)))}  ${p}`));
      }
    }
  });

  it('removes temporaries of an interrupted run of the same export; a failed export leaves nothing, not even the folder it made', async () => {
    const { blocks } = randomDataset(12, [5]);
    const parent = tmp();
    const dir = join(parent, 'out');
    const failing = new Observable<Block>((subscriber) => {
      subscriber.next(blocks[0]);
      setTimeout(() => subscriber.error(new Error('source lost')), 10);
    });
    await expect(exportTo(failing, { format: 'npy', dir })).rejects.toThrow('source lost');
    expect(existsSync(dir)).toBe(false); // it made the folder: it removes it
    mkdirSync(dir);
    await expect(exportTo(from(blocks), { format: 'idx', dir, expectedCount: 13 })).rejects.toBeInstanceOf(ExportCountError);
    expect(listFiles(dir)).toEqual([]); // the folder was there before: it stays, empty

    // A run killed midway left its journal and a temporary: a rerun of the same export goes on.
    await exportTo(from(blocks), { format: 'npy', dir });
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    writeFileSync(join(dir, '.manifest.json.journal'), JSON.stringify({ ...manifest, files: [], complete: false }));
    writeFileSync(join(dir, '.train-images.npy.0a1b2c3d4e5f.partial'), 'half');
    await exportTo(from(blocks), { format: 'npy', dir });
    expect(listFiles(dir)).toEqual(['manifest.json', 'train-images.npy', 'train-labels.npy']);
    // Without a manifest option: the version of @idxflow/sinks, no seed, no pipeline.
    const version = JSON.parse(readFileSync(join(ROOT, 'packages', 'sinks', 'package.json'), 'utf8')).version;
    expect(manifest).toMatchObject({ idxflow: version, format: 'npy', count: 12, seed: null, pipeline: null });
    // A seed alone: the version is still @idxflow/sinks' own.
    const seeded = tmp();
    await exportTo(from(blocks), { format: 'npy', dir: seeded, manifest: { seed: 7 } });
    expect(JSON.parse(readFileSync(join(seeded, 'manifest.json'), 'utf8'))).toMatchObject({ idxflow: version, seed: 7, pipeline: null });
  });

  it('refuses a folder that holds something else, and replaces an earlier export only with overwrite', async () => {
    const { blocks } = randomDataset(12, [5]);
    const dir = tmp();
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    await expect(exportTo(from(blocks), { format: 'npy', dir })).rejects.toThrow(
      `${dir}: expected an empty folder, or one holding this same export (to resume it), found 1 file of no idxflow export of these options (notes.txt): choose an empty or new \`dir\``, // the library's words, not the CLI's --out
    );
    await expect(exportTo(from(blocks), { format: 'npy', dir, overwrite: true })).rejects.toBeInstanceOf(ExportRefusedError);
    expect(listFiles(dir)).toEqual(['notes.txt']);
    const earlier = tmp();
    await exportTo(from(blocks), { format: 'npy', dir: earlier, manifest: { version: '1', seed: 1 } });
    const before = listFiles(earlier).map((n) => sha256(readFileSync(join(earlier, n))));
    await expect(exportTo(from(blocks), { format: 'npy', dir: earlier, manifest: { version: '1', seed: 2 } })).rejects.toThrow('found an earlier idxflow export of other options (manifest.json: npy, 12 samples, 2 files): choose another `dir`, or pass `overwrite: true` to remove the files that export lists');
    expect(listFiles(earlier).map((n) => sha256(readFileSync(join(earlier, n))))).toEqual(before); // intact
    await exportTo(from(blocks), { format: 'idx', dir: earlier, manifest: { version: '1', seed: 2 }, overwrite: true });
    expect(listFiles(earlier)).toEqual(['manifest.json', 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte']); // no stale npy beside it
  });

  it('checks its options before creating or writing anything', async () => {
    const dir = join(tmp(), 'never');
    const source = from(randomDataset(3, [3]).blocks);
    const cases: [object, string][] = [
      [{ format: 'jpeg' }, 'Expected one of idx, idx.gz, npy, npz, png, wds, hf for format but received "jpeg" of type string'],
      [{ format: 'wds', shardSize: 0 }, 'Expected integer >= 1 for shardSize but received 0 of type number'],
      [{ format: 'png', workers: 1.5 }, 'Expected integer between 0 and 256 for workers but received 1.5 of type number'],
      [{ format: 'npy', workers: 1 }, 'Expected workers only with format png or wds (PNG encoding) but received it with npy'],
      [{ format: 'npy', shardSize: 5 }, 'Expected shardSize only with format wds but received it with npy'],
      [{ format: 'npy', split: 'valid' }, 'Expected one of train, val, test for split but received "valid" of type string'],
      [{ format: 'npy', expectedCount: -3 }, 'Expected integer between 0 and 4294967295 for expectedCount but received -3 of type number'],
      [{ format: 'npy', onProgress: 5 }, 'Expected a function for onProgress but received 5 of type number'],
      [{ format: 'npy', manifest: { version: '' } }, 'Expected a non-empty string for version but received  of type string'],
      [{ format: 'npy', manifest: { version: '1', seed: 0.5 } }, 'for seed but received 0.5 of type number'],
      [{ format: 'npy', manifest: { version: '1', pipeline: 'rotate' } }, 'Expected an object for pipeline but received rotate of type string'],
    ];
    for (const [options, message] of cases) {
      await expect(exportTo(source, { dir, ...options } as Parameters<typeof exportTo>[1])).rejects.toThrow(message);
    }
    await expect(exportTo(source, { format: 'npy' } as Parameters<typeof exportTo>[1])).rejects.toThrow('Expected a non-empty string for dir but received undefined');
    expect(existsSync(dir)).toBe(false);
  });
});

describe('writeManifest', () => {
  it('writes manifest.json atomically and returns its own entry', async () => {
    const dir = tmp();
    const summary = { dir, files: [{ name: 'a', bytes: 1, sha256: 'ab' }], count: 1, shape: [2, 3] as [number, number], dtype: 'float32' as const };
    const entry = await writeManifest(dir, summary, { version: '0.1.0', pipeline: { normalize: { mean: 0.1307, std: 0.3081 } } });
    const bytes = readFileSync(join(dir, 'manifest.json'));
    expect(entry).toEqual({ name: 'manifest.json', bytes: bytes.length, sha256: sha256(bytes) });
    expect(JSON.parse(bytes.toString())).toEqual({
      idxflow: '0.1.0',
      format: null,
      count: 1,
      shape: [2, 3],
      dtype: 'float32',
      seed: null,
      pipeline: { normalize: { mean: 0.1307, std: 0.3081 } },
      files: summary.files,
    });
    expect(readdirSync(dir)).toEqual(['manifest.json']);
  });
});
