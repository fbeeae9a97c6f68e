import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetEntry, kuzushijiKanji, samples, notMnist, NOT_MNIST, KUZUSHIJI_KANJI, type Block, type TreeSpec } from '@idxflow/core/internal';
import { exportTo, UnstorableFieldError } from '@idxflow/sinks';
import { python } from '../fixtures/python.js';
import { greyPng, pixelsOf, sha256 } from '../fixtures/collections.js';
import { serveFiles, type FileServer } from '../fixtures/datasetServer.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'idxflow-trees-'));
const all = (source: ReturnType<typeof notMnist>): Promise<Block<Uint8Array>[]> => lastValueFrom(source.pipe(toArray()));

/** Writes `files` (path → bytes) under `root`. */
function writeTree(root: string, files: [string, Uint8Array][]): void {
  for (const [path, bytes] of files) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), bytes);
  }
}

// notMNIST's layout: notMNIST_small/<letter>/<name>.png, 28 x 28; one file in A does not decode.
const letters = [...'ABCDEFGHIJ'];
const notSamples = letters.flatMap((letter, label) => Array.from({ length: label % 3 === 0 ? 2 : 1 }, (_, k) => ({ label, name: `${letter}/${String.fromCharCode(0x61 + k)}.png`, pixels: pixelsOf(label, k, 784) })));
// Kuzushiji-Kanji's layout: kkanji2/U+XXXX/<name>.png, 64 x 64; folders sorted by name are not in code point order (U+20B9F after U+4E00).
const kanji = [0x4e00, 0x3042, 0x20b9f, 0x4e8c];
const kanjiSamples = kanji.flatMap((code, c) => Array.from({ length: c + 1 }, (_, k) => ({ code, name: `U+${code.toString(16).toUpperCase()}/${k}.png`, pixels: pixelsOf(c, k, 64 * 64) })));

let server: FileServer;
let notDir: string;
let kanjiDir: string;
let notSpec: TreeSpec;
let kanjiSpec: TreeSpec;
beforeAll(async () => {
  notDir = tmp();
  writeTree(join(notDir, 'notMNIST_small'), [...(await Promise.all(notSamples.map(async (s): Promise<[string, Uint8Array]> => [s.name, await greyPng(s.pixels, 28)]))), ['A/broken.png', Buffer.from('\x89PNG\r\n\x1a\n truncated')]]);
  execFileSync('tar', ['-czf', join(notDir, 'notMNIST_small.tar.gz'), '-C', notDir, 'notMNIST_small']);
  kanjiDir = tmp();
  writeTree(join(kanjiDir, 'kkanji2'), await Promise.all(kanjiSamples.map(async (s): Promise<[string, Uint8Array]> => [s.name, await greyPng(s.pixels, 64)])));
  execFileSync('tar', ['-cf', join(kanjiDir, 'kkanji.tar'), '-C', kanjiDir, 'kkanji2']);
  const notArchive = readFileSync(join(notDir, 'notMNIST_small.tar.gz'));
  const kanjiArchive = readFileSync(join(kanjiDir, 'kkanji.tar'));
  server = await serveFiles({ '/yaroslavvb/notMNIST_small.tar.gz': notArchive, '/codh/kkanji.tar': kanjiArchive });
  notSpec = { ...NOT_MNIST.small, mirrors: [`${server.base}/yaroslavvb/`], archive: { name: 'notMNIST_small.tar.gz', size: notArchive.length, sha256: sha256(notArchive) } };
  kanjiSpec = { ...KUZUSHIJI_KANJI, mirrors: [`${server.base}/codh/`], archive: { name: 'kkanji.tar', size: kanjiArchive.length, sha256: sha256(kanjiArchive) } };
});
afterAll(() => server.close());

// Samples in class order, files sorted by name within a class (a.png, b.png; broken.png skipped).
const notExpected = { labels: notSamples.map((s) => s.label), pixels: notSamples.flatMap((s) => [...s.pixels]) };

describe('notMnist()', () => {
  it('downloads the tar.gz with its pinned SHA-256, extracts it into the cache, and skips the unreadable PNG with a report', async () => {
    const cacheDir = tmp();
    const skipped: string[] = [];
    const blocks = await all(notMnist('small', { cacheDir, onSkip: (file) => skipped.push(file) }, notSpec));
    expect(blocks.flatMap((b) => [...b.labels])).toEqual(notExpected.labels);
    expect(blocks.flatMap((b) => [...b.images])).toEqual(notExpected.pixels);
    expect(blocks.flatMap((b) => [...b.indices])).toEqual(notSamples.map((_, i) => i));
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatch(/notMNIST_small\/A\/broken\.png$/);
    const again = await all(notMnist('small', { cacheDir }, notSpec)); // from the extracted cache, not the mirror
    expect(again.flatMap((b) => [...b.labels])).toEqual(notExpected.labels);
    expect(server.requests.filter((r) => r.endsWith('.tar.gz'))).toHaveLength(1);
    expect(datasetEntry('notmnist-small')!.classes).toEqual(letters);
  });

  it('reads the extracted tree from a dir', async () => {
    let skipped = 0;
    const blocks = await all(notMnist('small', { dir: notDir, onSkip: () => skipped++ }));
    expect(blocks.flatMap((b) => [...b.labels])).toEqual(notExpected.labels);
    expect(skipped).toBe(1);
  });
});

describe('kuzushijiKanji()', () => {
  // Classes in code point order: U+3042 あ, U+4E00 一, U+4E8C 二, U+20B9F 𠮟.
  const order = [...kanji].sort((a, b) => a - b);
  const expected = [...kanjiSamples].sort((a, b) => a.code - b.code || a.name.localeCompare(b.name));

  it('downloads the tar with its pinned SHA-256 and gives each sample its class id (code point order) beside labels of 0', async () => {
    const blocks = await all(kuzushijiKanji({ cacheDir: tmp() }, kanjiSpec));
    expect(blocks[0].shape.slice(1)).toEqual([64, 64]);
    expect(blocks.flatMap((b) => [...b.classIds!])).toEqual(expected.map((s) => order.indexOf(s.code)));
    expect(blocks.flatMap((b) => [...b.labels])).toEqual(expected.map(() => 0));
    expect(blocks.flatMap((b) => [...b.images])).toEqual(expected.flatMap((s) => [...s.pixels]));
    const each = await lastValueFrom(kuzushijiKanji({ dir: kanjiDir }).pipe(samples(), toArray()));
    expect(each.map((s) => s.classId)).toEqual(expected.map((s) => order.indexOf(s.code)));
    const entry = datasetEntry('kuzushiji-kanji')!;
    expect(await entry.classNames!({ dir: kanjiDir })).toEqual(order.map((c) => String.fromCodePoint(c)));
    expect(entry.card.license).toBe('cc-by-sa-4.0');
  });

  it('exports its class ids where the format keeps them (numpy reads them back) and is refused by idx, whose labels are bytes', async () => {
    const ids = expected.map((s) => order.indexOf(s.code));
    const npz = join(tmp(), 'npz');
    await exportTo(kuzushijiKanji({ dir: kanjiDir }), { format: 'npz', dir: npz });
    const read = "import numpy as np, json, sys; f = np.load(sys.argv[1]); print(json.dumps([str(f['class_ids'].dtype), f['class_ids'].tolist(), f['y'].tolist()]))";
    expect(python(read, join(npz, 'train.npz'))).toEqual(['uint16', ids, ids.map(() => 0)]);
    for (const format of ['idx', 'idx.gz'] as const) {
      const dir = join(tmp(), 'out');
      const error = await exportTo(kuzushijiKanji({ dir: kanjiDir }), { format, dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnstorableFieldError);
      expect([(error as UnstorableFieldError).code, (error as UnstorableFieldError).field]).toEqual(['IDXFLOW_UNSTORABLE_FIELD', 'classIds']);
      expect(existsSync(dir)).toBe(false);
    }
  });
});
