// A ChestMNIST-style export (a label matrix of 14 findings a sample) carries its matrix through
// what a long export meets: killed with SIGKILL and rerun (npz), written in parts and joined
// (npy, npz): the same bytes as one uninterrupted run, and numpy reads back the rows the test
// wrote into the published-layout npz, each sample's `y` 1 when any of its findings is. And a
// Kuzushiji-Kanji-style tree's class ids (uint16, one a sample) through parts and their join.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { greyPng, medmnistNpz, medSplit, pixelsOf } from '../fixtures/collections.js';
import { CLI } from '../fixtures/mnist.js';
import { python } from '../fixtures/python.js';

const ENV = { ...process.env, IDXFLOW_PROGRESS_SECONDS: '86400' };
const idxflow = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: ENV });
const root = mkdtempSync(join(tmpdir(), 'idxflow-matrix-'));
const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
/** Every file of a folder (hidden ones too) and its SHA-256. */
const contents = (dir: string): Record<string, string> => Object.fromEntries(readdirSync(dir).sort().map((n) => [n, sha(join(dir, n))]));

const N = 10000;
/** Sample i's finding c: 0 or 1 in a pattern that differs from row to row. */
const finding = (i: number, c: number): number => ((i * 5 + c * c + (i >> 4)) % 7 < 2 ? 1 : 0);
let data: string;

// Kanji folders by code point, sample k of folder c: its class id is c (the folders' order).
const KANJI = ['U+4E00', 'U+4E8C', 'U+4E09', 'U+56DB'].sort();
const PER_FOLDER = 5;
let kanji: string;

beforeAll(async () => {
  kanji = join(root, 'kanji');
  for (const [c, code] of KANJI.entries()) {
    mkdirSync(join(kanji, 'kkanji2', code), { recursive: true });
    for (let k = 0; k < PER_FOLDER; k++) writeFileSync(join(kanji, 'kkanji2', code, `${k}.png`), await greyPng(pixelsOf(c, k, 4096), 64));
  }
  data = join(root, 'data');
  const chest = { train: medSplit(4, N, 28, 14, finding), val: medSplit(5, 2, 28, 14, finding), test: medSplit(6, 2, 28, 14, finding) };
  mkdirSync(data);
  writeFileSync(join(data, 'chestmnist.npz'), medmnistNpz(chest, 28, 14));
});

/** The flags of a shuffled, rotated export of the training split twice over. */
const flags = (format: 'npy' | 'npz', out: string, extra: string[] = []): string[] => ['export', '--dataset', 'chestmnist', '--dir', data, '--copies', '2', '--shuffle', '--rotate', '10', '--seed', '8', '--format', format, ...extra, '--out', out];

// numpy, from the published-layout file: the export's rows are the source's rows twice over, in
// some order (the multiset compared sorted), and y is 1 exactly where a row has a finding.
const CHECK = `
import numpy as np, json, sys
src = np.load(sys.argv[1])['train_labels']
f = np.load(sys.argv[2])
m, y = f['label_matrix'], f['y']
want = np.concatenate([src, src])
same = sorted(map(tuple, m.tolist())) == sorted(map(tuple, want.tolist()))
print(json.dumps([str(m.dtype), list(m.shape), same, bool((y == m.any(axis=1)).all()), int(m.sum()), int(want.sum())]))`;

describe('a ChestMNIST-style npz export', () => {
  it('holds label_matrix (uint8, n x 14), the source rows, read back by numpy', () => {
    const out = join(root, 'npz-reference');
    const r = idxflow(flags('npz', out));
    expect(r.status, r.stderr).toBe(0);
    const [dtype, shape, same, anyFinding, total, expected] = python(CHECK, join(data, 'chestmnist.npz'), join(out, 'train.npz')) as [string, number[], boolean, boolean, number, number];
    expect([dtype, shape, same, anyFinding]).toEqual(['uint8', [2 * N, 14], true, true]);
    expect(total).toBe(expected);
    expect(total).toBeGreaterThan(0);
  });

  it('killed with SIGKILL while its arrays stream and rerun, is byte-identical to the uninterrupted one', async () => {
    const reference = join(root, 'npz-reference');
    if (!existsSync(join(reference, 'manifest.json'))) expect(idxflow(flags('npz', reference)).status).toBe(0);
    const out = join(root, 'npz-killed');
    const child = spawn(process.execPath, [CLI, ...flags('npz', out)], { stdio: 'ignore' });
    let running = true;
    const exited = new Promise((resolve) => child.once('exit', () => resolve((running = false))));
    const streaming = (): boolean => existsSync(out) && readdirSync(out).some((n) => n.startsWith('.train.npz.label_matrix.npy') && n.endsWith('.partial'));
    while (running && !streaming()) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 20));
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(join(out, 'manifest.json')), 'killed before its end').toBe(false);
    const rerun = idxflow(flags('npz', out));
    expect(rerun.stderr).toBe('');
    expect(rerun.status).toBe(0);
    expect(contents(out)).toEqual(contents(reference)); // no journal, no temporary: the same files, the same bytes
  });
});

describe('a ChestMNIST-style export in two parts, merged', () => {
  it.each(['npy', 'npz'] as const)('%s: the bytes of one run, the label matrix included', (format) => {
    const single = join(root, `${format}-single`);
    const parts = join(root, `${format}-parts`);
    expect(idxflow(flags(format, single)).status).toBe(0);
    for (const k of [0, 1]) expect(idxflow(flags(format, parts, ['--shard', `${k}/2`])).status).toBe(0);
    const merged = idxflow(['merge-manifests', parts]);
    expect(merged.status, merged.stderr).toBe(0);
    expect(Object.keys(contents(single))).toEqual(format === 'npy' ? ['manifest.json', 'train-images.npy', 'train-label-matrix.npy', 'train-labels.npy'] : ['manifest.json', 'train.npz']);
    expect(contents(parts)).toEqual(contents(single));
  });
});

describe('a Kuzushiji-Kanji-style export in two parts, merged', () => {
  const kanjiFlags = (format: 'npy' | 'npz', out: string, extra: string[] = []): string[] => ['export', '--dataset', 'kuzushiji-kanji', '--dir', kanji, '--copies', '2', '--shuffle', '--seed', '3', '--format', format, ...extra, '--out', out];

  it.each(['npy', 'npz'] as const)('%s: the bytes of one run, the class ids included, which numpy reads as uint16', (format) => {
    const single = join(root, `kanji-${format}-single`);
    const parts = join(root, `kanji-${format}-parts`);
    const r = idxflow(kanjiFlags(format, single));
    expect(r.status, r.stderr).toBe(0);
    for (const k of [0, 1]) expect(idxflow(kanjiFlags(format, parts, ['--shard', `${k}/2`])).status).toBe(0);
    expect(idxflow(['merge-manifests', parts]).status).toBe(0);
    expect(contents(parts)).toEqual(contents(single));
    const read = format === 'npy' ? 'a = np.load(sys.argv[1] + "/train-class-ids.npy")' : 'a = np.load(sys.argv[1] + "/train.npz")["class_ids"]';
    const [dtype, counts] = python(`import numpy as np, json, sys\n${read}\nprint(json.dumps([str(a.dtype), np.bincount(a).tolist()]))`, single) as [string, number[]];
    expect([dtype, counts]).toEqual(['uint16', KANJI.map(() => 2 * PER_FOLDER)]); // each class's samples, twice over
  });
});
