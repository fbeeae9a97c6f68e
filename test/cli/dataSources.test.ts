import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { loadBlock, parquet } from '@idxflow/core';
import { CLI, raw } from '../fixtures/mnist.js';
import { readWithArrow } from '../sinks/files/hfReaders.js';

const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

/** An NPY v1.0 file of uint8 `data`, its header written here by the format's spec (magic, version, length, dict, padding to 64). */
function npyFile(path: string, shape: number[], data: Uint8Array): void {
  const dict = `{'descr': '|u1', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const padded = dict.padEnd(Math.ceil((10 + dict.length + 1) / 64) * 64 - 10 - 1) + '\n';
  const header = Buffer.alloc(10);
  Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0]).copy(header);
  header.writeUInt16LE(padded.length, 8);
  writeFileSync(path, Buffer.concat([header, Buffer.from(padded, 'latin1'), data]));
}

describe('idxflow export: the new sources and --format hf', () => {
  it('exports MNIST test as hf (mnist/ config, card), and --parquet reads it back into an npz export', async () => {
    const out = mkdtempSync(join(tmpdir(), 'idxflow-cli-hf-'));
    const r = run('export', '--dataset', 'mnist', '--split', 'test', '--format', 'hf', '--out', join(out, 'hf'), '--workers', '0');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readdirSync(join(out, 'hf')).sort()).toEqual(['README.md', 'manifest.json', 'mnist']);
    const file = join(out, 'hf', 'mnist', 'test-00000-of-00001.parquet');
    const read = readWithArrow(readFileSync(file));
    expect(read.labels).toEqual([...readFileSync(raw('t10k-labels-idx1-ubyte')).subarray(8)].map(BigInt));
    expect(readFileSync(join(out, 'hf', 'README.md'), 'utf8')).toContain('license:\n- mit\nsize_categories:\n- 10K<n<100K');
    const back = await loadBlock(parquet({ files: [file] }));
    expect(Buffer.compare(Buffer.from(back.images), readFileSync(raw('t10k-images-idx3-ubyte')).subarray(16))).toBe(0);
    const again = run('export', '--parquet', file, '--format', 'npy', '--out', join(out, 'npy'), '--workers', '0');
    expect(again.status).toBe(0);
    expect(Buffer.compare(readFileSync(join(out, 'npy', 'train-images.npy')).subarray(128), readFileSync(raw('t10k-images-idx3-ubyte')).subarray(16))).toBe(0);
  });

  it('exports --npy of 26 unnamed classes as hf: ClassLabel names "0" to "25", and the card lists 26', () => {
    const root = mkdtempSync(join(tmpdir(), 'idxflow-cli-hf26-'));
    const n = 52;
    npyFile(join(root, 'x.npy'), [n, 28, 28], readFileSync(raw('t10k-images-idx3-ubyte')).subarray(16, 16 + n * 784));
    npyFile(join(root, 'y.npy'), [n], Uint8Array.from({ length: n }, (_, i) => i % 26));
    const r = run('export', '--npy', `${join(root, 'x.npy')},${join(root, 'y.npy')}`, '--format', 'hf', '--out', join(root, 'hf'), '--workers', '0');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const read = readWithArrow(readFileSync(join(root, 'hf', 'data', 'train-00000-of-00001.parquet')));
    expect(JSON.parse(read.metadata.get('huggingface')!).info.features.label.names).toEqual(Array.from({ length: 26 }, (_, k) => String(k)));
    expect(read.labels).toEqual(Array.from({ length: n }, (_, i) => BigInt(i % 26)));
    expect(readFileSync(join(root, 'hf', 'README.md'), 'utf8')).toContain('a ClassLabel of 26 names');
  });

  it('reads --images-dir and --npy, and refuses two sources or a bad --npy with exit 2', async () => {
    const root = mkdtempSync(join(tmpdir(), 'idxflow-cli-images-'));
    for (const [k, name] of ['cat', 'dog'].entries()) {
      mkdirSync(join(root, name));
      await sharp(Buffer.alloc(28 * 28, 50 + k * 100), { raw: { width: 28, height: 28, channels: 1 } }).toColourspace('b-w').png().toFile(join(root, name, 'a.png'));
    }
    const out = mkdtempSync(join(tmpdir(), 'idxflow-cli-images-out-'));
    const r = run('export', '--images-dir', root, '--format', 'npy', '--out', join(out, 'npy'), '--workers', '0');
    expect(r.status).toBe(0);
    expect([...readFileSync(join(out, 'npy', 'train-labels.npy')).subarray(128)]).toEqual([0, 1]);
    const n = run('export', '--npy', `${join(out, 'npy', 'train-images.npy')},${join(out, 'npy', 'train-labels.npy')}`, '--format', 'idx', '--out', join(out, 'idx'), '--workers', '0');
    expect(n.status).toBe(0);
    expect(readFileSync(join(out, 'idx', 'train-images-idx3-ubyte')).subarray(16)[0]).toBe(50);
    const two = run('export', '--images-dir', root, '--npz', 'x.npz', '--out', join(out, 'x'));
    expect([two.status, two.stderr]).toEqual([2, 'idxflow: Expected one source but received --images-dir and --npz\n']);
    const bad = run('export', '--npy', 'only.npy', '--out', join(out, 'y'));
    expect([bad.status, bad.stderr]).toEqual([2, 'idxflow: Expected IMAGES.npy,LABELS.npy for --npy but received "only.npy"\n']);
    const orient = run('export', '--dataset', 'mnist', '--orientation', 'stored', '--out', join(out, 'z'));
    expect([orient.status, orient.stderr]).toEqual([2, 'idxflow: Expected --orientation upright or stored with an emnist-* --dataset but received "stored" with mnist\n']);
  });
});
