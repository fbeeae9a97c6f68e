import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { from } from 'rxjs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { mnist, type Block } from '@idxflow/core';
import { exportTo, type ExportFormat } from '@idxflow/sinks';
import { normalize } from '@idxflow/transforms';
import { syntheticBlocks } from '../../fixtures/blocks.js';
import { raw } from '../../fixtures/mnist.js';
import { readIdx, readNpy, readTar, readZip } from '../readers.js';

const testImages = readFileSync(raw('t10k-images-idx3-ubyte')).subarray(16);
const testLabels = readFileSync(raw('t10k-labels-idx1-ubyte')).subarray(8);
const tmp = (): string => mkdtempSync(join(tmpdir(), 'idxflow-export-'));
const python = spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

function synthetic(): { blocks: Block[]; images: Uint8Array; labels: Uint8Array } {
  const blocks = syntheticBlocks(37, [5, 7, 25]);
  const images = new Uint8Array(blocks.reduce((n, b) => n + b.images.length, 0));
  let at = 0;
  for (const b of blocks) images.set(b.images as Uint8Array, (at += b.images.length) - b.images.length);
  return { blocks, images, labels: Uint8Array.from({ length: 37 }, (_, i) => i % 10) };
}

describe('exports read back with independent readers', () => {
  it('idx and idx.gz: MNIST names, header, pixels and labels of the real test set', async () => {
    for (const format of ['idx', 'idx.gz'] as const) {
      const dir = tmp();
      const summary = await exportTo(mnist({ split: 'test' }), { format, dir, split: 'test', manifest: { version: 'test' } });
      const gz = format === 'idx.gz' ? '.gz' : '';
      expect(readdirSync(dir).sort()).toEqual(['manifest.json', `t10k-images-idx3-ubyte${gz}`, `t10k-labels-idx1-ubyte${gz}`]);
      const images = readIdx(readFileSync(join(dir, `t10k-images-idx3-ubyte${gz}`)));
      const labels = readIdx(readFileSync(join(dir, `t10k-labels-idx1-ubyte${gz}`)));
      expect([images.type, images.dims]).toEqual([0x08, [10000, 28, 28]]);
      expect(labels.dims).toEqual([10000]);
      expect(Buffer.from(images.data as Uint8Array).equals(testImages)).toBe(true);
      expect(Buffer.from(labels.data as Uint8Array).equals(testLabels)).toBe(true);
      expect(summary.count).toBe(10000);
    }
  });

  it('idx with float32 blocks writes type 0x0D big-endian', async () => {
    const dir = tmp();
    const { blocks, images } = synthetic();
    await exportTo(from(blocks).pipe(normalize({ mean: 0, std: 1 })), { format: 'idx', dir, manifest: { version: 'test' } });
    const out = readIdx(readFileSync(join(dir, 'train-images-idx3-ubyte')));
    expect([out.type, out.dims]).toEqual([0x0d, [37, 4, 3]]);
    out.data.forEach((v, i) => expect(v).toBeCloseTo(images[i] / 255, 6));
  });

  it('npy and npz: shapes, dtypes and values; manifest hashes match the files', async () => {
    const { blocks, images, labels } = synthetic();
    const npy = tmp();
    await exportTo(from(blocks), { format: 'npy', dir: npy, manifest: { version: 'test', seed: 5 } });
    const x = readNpy(readFileSync(join(npy, 'train-images.npy')));
    const y = readNpy(readFileSync(join(npy, 'train-labels.npy')));
    expect([x.descr, x.shape, y.descr, y.shape]).toEqual(['|u1', [37, 4, 3], '|u1', [37]]);
    expect(Array.from(x.data)).toEqual(Array.from(images));
    expect(Array.from(y.data)).toEqual(Array.from(labels));
    const manifest = JSON.parse(readFileSync(join(npy, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ count: 37, shape: [4, 3], dtype: 'uint8', seed: 5, idxflow: 'test' });
    const { createHash } = await import('node:crypto');
    for (const file of manifest.files) expect(createHash('sha256').update(readFileSync(join(npy, file.name))).digest('hex')).toBe(file.sha256);

    const npz = tmp();
    await exportTo(from(blocks).pipe(normalize()), { format: 'npz', dir: npz, manifest: { version: 'test' } });
    const members = readZip(readFileSync(join(npz, 'train.npz')));
    expect([...members.keys()]).toEqual(['x.npy', 'y.npy']);
    const zx = readNpy(members.get('x.npy')!);
    expect([zx.descr, zx.shape]).toEqual(['<f4', [37, 4, 3]]);
    zx.data.forEach((v, i) => expect(v).toBeCloseTo((images[i] / 255 - 0.1307) / 0.3081, 5));
    expect(Array.from(readNpy(members.get('y.npy')!).data)).toEqual(Array.from(labels));
  });

  it('png folders and WebDataset shards decode (with sharp) to the source pixels', async () => {
    const source = mnist({ split: 'test' });
    const png = tmp();
    await exportTo(source, { format: 'png', dir: png, split: 'test', manifest: { version: 'test' } });
    const csv = readFileSync(join(png, 'labels.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('path,label,index,epoch');
    expect(csv.length).toBe(10001);
    for (const k of [0, 1, 4999, 9999]) {
      const [path, label, index] = csv[k + 1].split(',');
      expect(Number(label)).toBe(testLabels[Number(index)]);
      const meta = await sharp(join(png, path)).metadata();
      expect([meta.width, meta.height, meta.channels, meta.format]).toEqual([28, 28, 1, 'png']); // one grey channel
      const { data } = await sharp(join(png, path)).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
      expect(data.equals(testImages.subarray(Number(index) * 784, Number(index) * 784 + 784))).toBe(true);
    }
    expect(readdirSync(png).filter((n) => /^\d$/.test(n)).length).toBe(10);

    const wds = tmp();
    await exportTo(source, { format: 'wds', dir: wds, shardSize: 4000, manifest: { version: 'test' } });
    expect(readdirSync(wds).sort()).toEqual(['manifest.json', 'shard-000000.tar', 'shard-000001.tar', 'shard-000002.tar']);
    const members = readTar(readFileSync(join(wds, 'shard-000002.tar')));
    expect(members.length).toBe(2 * 2000);
    expect(members[0].name).toBe('000008000.png');
    expect(members[1]).toMatchObject({ name: '000008000.cls' });
    expect(new TextDecoder().decode(members[1].data)).toBe(String(testLabels[8000]));
    const { data } = await sharp(members[0].data).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    expect(data.equals(testImages.subarray(8000 * 784, 8001 * 784))).toBe(true);
  });

  it.skipIf(!python)('numpy, gzip and tarfile load the exports (python3 with numpy present)', async () => {
    const dir = tmp();
    for (const format of ['npy', 'npz', 'idx.gz', 'wds'] as ExportFormat[]) {
      await exportTo(mnist({ split: 'test' }), { format, dir: join(dir, format), split: 'test', manifest: { version: 'test' } });
    }
    const script = `
import numpy as np, gzip, tarfile, json, sys
d = sys.argv[1]
x = np.load(d + '/npy/test-images.npy'); y = np.load(d + '/npy/test-labels.npy')
z = np.load(d + '/npz/test.npz')
g = np.frombuffer(gzip.open(d + '/idx.gz/t10k-images-idx3-ubyte.gz').read(), np.uint8, offset=16)
t = tarfile.open(d + '/wds/shard-000000.tar')
print(json.dumps({'shape': list(x.shape), 'dtype': str(x.dtype), 'sum': int(x.astype(np.int64).sum()), 'labels': np.bincount(y).tolist(),
  'npz_same': bool((z['x'] == x).all() and (z['y'] == y).all()), 'idx_same': bool((g.reshape(-1, 28, 28) == x).all()), 'members': len(t.getnames())}))`;
    const r = spawnSync('/usr/bin/python3', ['-c', script, dir], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    const counts = Array.from({ length: 10 }, () => 0);
    for (const l of testLabels) counts[l]++;
    expect(out).toEqual({
      shape: [10000, 28, 28],
      dtype: 'uint8',
      sum: testImages.reduce((a, b) => a + b, 0),
      labels: counts,
      npz_same: true,
      idx_same: true,
      members: 20000,
    });
  });

  it('rejects a float32 PNG export and an unknown format, leaving no final files', async () => {
    const dir = tmp();
    await expect(exportTo(from(synthetic().blocks).pipe(normalize()), { format: 'png', dir })).rejects.toThrow(
      'Expected uint8 images for a PNG export but received float32',
    );
    await expect(exportTo(from([]), { format: 'jpeg' as ExportFormat, dir })).rejects.toThrow('Expected one of idx, idx.gz, npy, npz, png, wds for format');
    expect(existsSync(join(dir, 'manifest.json'))).toBe(false);
  });
});
