// An export killed with SIGKILL midway leaves no incomplete file under a final name (every final
// file present parses completely, or is absent), no manifest; the next run cleans up and completes.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { unzipSync } from 'fflate';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../fixtures/mnist.js';
import { readIdx } from '../readers.js';
import { ascii, listFiles, parseNpy, tmp, walkTar } from './fixtures.js';
import { labelAt, pixelsAt, positionalData, SIDE } from './positional.js';

const CHILD = join(ROOT, 'test', 'sinks', 'files', 'exportChild.ts');
const args = (format: string, dir: string, count: number, slowAfter: number): string[] =>
  ['--import', 'tsx', CHILD, format, dir, String(count), String(slowAfter)];

/** Runs the export in a child process and kills it with SIGKILL once it is writing slowly. */
async function killMidway(format: string, dir: string, count: number, slowAfter: number): Promise<void> {
  const child = spawn(process.execPath, args(format, dir, count, slowAfter), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => String(d).includes('slow') && resolve());
    void exited.then((code) => reject(new Error(`the export exited (${String(code)}) before it was killed: ${stderr}`)));
  });
  child.kill('SIGKILL');
  await exited;
}

/** Runs the export to completion in a child process. */
function runToEnd(format: string, dir: string, count: number): void {
  const r = spawnSync(process.execPath, args(format, dir, count, count), { cwd: ROOT, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.stdout).toContain('done');
  expect(r.status).toBe(0);
}

const partials = (dir: string): string[] => listFiles(dir).filter((p) => /(^|\/)\.[^/]+\.partial$/.test(p));
/** The journal an export keeps while it runs (hidden): a rerun of the same export may go on. */
const journals = (dir: string): string[] => listFiles(dir).filter((p) => p.endsWith('.journal'));
/** The lock a killed run leaves (its holder gone, the rerun takes it over). */
const locks = (dir: string): string[] => listFiles(dir).filter((p) => p.endsWith('.lock'));
const finals = (dir: string): string[] => listFiles(dir).filter((p) => !/(^|\/)\.[^/]+\.partial$/.test(p) && !p.endsWith('.journal') && !p.endsWith('.lock'));

/** Checks a complete images/labels pair of `count` positional samples. */
function checkArrays(images: Uint8Array, labels: Uint8Array, count: number): void {
  const expected = positionalData(count);
  expect(images.length).toBe(count * SIDE * SIDE);
  expect(Buffer.from(images).equals(expected.images)).toBe(true);
  expect(Buffer.from(labels).equals(expected.labels)).toBe(true);
}

function checkNpy(dir: string, count: number): void {
  const x = parseNpy(readFileSync(join(dir, 'train-images.npy')));
  const y = parseNpy(readFileSync(join(dir, 'train-labels.npy')));
  expect([x.shape, y.shape]).toEqual([[count, SIDE, SIDE], [count]]);
  checkArrays(x.body, y.body, count);
}

function checkManifest(dir: string, count: number): void {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  expect(manifest).toMatchObject({ count, shape: [SIDE, SIDE], pipeline: { count } });
}

async function checkShard(dir: string, k: number): Promise<void> {
  const members = walkTar(readFileSync(join(dir, `shard-${String(k).padStart(6, '0')}.tar`)));
  expect(members.length).toBe(1000);
  for (let i = 0; i < 500; i++) {
    const position = k * 500 + i;
    expect(members[2 * i + 1].name).toBe(`${String(position).padStart(9, '0')}.cls`);
    expect(ascii(members[2 * i + 1].data)).toBe(String(labelAt(position)));
    const pixels = await sharp(members[2 * i].data).toColourspace('b-w').raw().toBuffer();
    expect(pixels.equals(pixelsAt(position))).toBe(true);
  }
}

describe('an export killed with SIGKILL', () => {
  it('npy: nothing under a final name but the journal, then a rerun of the same export completes', async () => {
    const dir = tmp();
    runToEnd('npy', dir, 200_000);
    // The same export again, killed midway: its complete files stay whole until renamed over.
    await killMidway('npy', dir, 200_000, 50_000);
    expect(existsSync(join(dir, 'manifest.json'))).toBe(false); // removed before writing began
    expect(journals(dir)).toEqual(['.manifest.json.journal']);
    expect(locks(dir)).toEqual(['.manifest.json.lock']);
    expect(partials(dir).length).toBeGreaterThan(0);
    expect(finals(dir)).toEqual(['train-images.npy', 'train-labels.npy']);
    checkNpy(dir, 200_000);
    runToEnd('npy', dir, 200_000);
    expect([...partials(dir), ...journals(dir), ...locks(dir)]).toEqual([]);
    checkNpy(dir, 200_000);
    checkManifest(dir, 200_000);
  });

  it('npz and idx.gz: nothing under a final name, then a complete export', async () => {
    for (const format of ['npz', 'idx.gz']) {
      const dir = tmp();
      await killMidway(format, dir, 200_000, 50_000);
      expect(finals(dir)).toEqual([]);
      expect(partials(dir).length).toBeGreaterThan(0);
      expect(journals(dir)).toEqual(['.manifest.json.journal']);
      runToEnd(format, dir, 200_000);
      expect([...partials(dir), ...journals(dir), ...locks(dir)]).toEqual([]);
      if (format === 'npz') {
        const members = unzipSync(readFileSync(join(dir, 'train.npz')));
        checkArrays(parseNpy(members['x.npy']).body, parseNpy(members['y.npy']).body, 200_000);
      } else {
        const x = readIdx(gunzipSync(readFileSync(join(dir, 'train-images-idx3-ubyte.gz'))));
        const y = readIdx(gunzipSync(readFileSync(join(dir, 'train-labels-idx1-ubyte.gz'))));
        expect([x.dims, y.dims]).toEqual([[200_000, SIDE, SIDE], [200_000]]);
        checkArrays(x.data as Uint8Array, y.data as Uint8Array, 200_000);
      }
      checkManifest(dir, 200_000);
    }
  });

  it('png: every PNG present decodes whole, no labels.csv until the export completes', async () => {
    const dir = tmp();
    await killMidway('png', dir, 3000, 500);
    const pngs = finals(dir);
    expect(pngs.length).toBeGreaterThanOrEqual(500);
    expect(pngs.length).toBeLessThan(3000);
    for (const path of pngs) {
      const [, label, position] = /^(\d)\/(\d{8})\.png$/.exec(path)!.map(Number);
      expect(label).toBe(labelAt(position));
      const pixels = await sharp(join(dir, path)).toColourspace('b-w').raw().toBuffer();
      expect(pixels.equals(pixelsAt(position))).toBe(true);
    }
    runToEnd('png', dir, 3000);
    expect([...partials(dir), ...journals(dir), ...locks(dir)]).toEqual([]);
    const rows = readFileSync(join(dir, 'labels.csv'), 'utf8').trim().split('\n').slice(1);
    const paths = Array.from({ length: 3000 }, (_, i) => `${labelAt(i)}/${String(i).padStart(8, '0')}.png`);
    expect(rows).toEqual(paths.map((p, i) => `${p},${labelAt(i)},${i},0`));
    expect(finals(dir)).toEqual([...paths, 'SHA256SUMS', 'labels.csv', 'manifest.json'].sort());
    for (const i of [0, 1499, 2999]) expect((await sharp(join(dir, paths[i])).toColourspace('b-w').raw().toBuffer()).equals(pixelsAt(i))).toBe(true);
    checkManifest(dir, 3000);
  });

  it('wds: only whole shards under final names, then every shard', async () => {
    const dir = tmp();
    await killMidway('wds', dir, 3000, 1200);
    const shards = finals(dir);
    expect(shards.slice(0, 2)).toEqual(['shard-000000.tar', 'shard-000001.tar']);
    expect(shards.length).toBeLessThan(6);
    for (let k = 0; k < shards.length; k++) await checkShard(dir, k);
    runToEnd('wds', dir, 3000);
    expect([...partials(dir), ...journals(dir), ...locks(dir)]).toEqual([]);
    expect(finals(dir)).toEqual(['manifest.json', ...[0, 1, 2, 3, 4, 5].map((k) => `shard-00000${k}.tar`)]);
    for (let k = 0; k < 6; k++) await checkShard(dir, k);
    checkManifest(dir, 3000);
  });
});
