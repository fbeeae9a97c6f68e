// The collections through the command line, as users run it: each dataset's files in its
// published layout in a --dir, exported to every format (ChestMNIST's label matrix and Kanji's
// class ids stored where the format keeps them, refused where not), previewed, and listed by explore.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greyPng, medmnistNpz, medSplit, pixelsOf, savezOne } from '../fixtures/collections.js';
import { fetchGrid, fetchJson, startExplore, type RunningExplore } from '../fixtures/explore.js';
import { CLI } from '../fixtures/mnist.js';
import { readNpy, readZip } from '../sinks/readers.js';

const idxflow = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const tmp = (): string => mkdtempSync(join(tmpdir(), 'idxflow-cli-collections-'));
const FORMATS = ['idx', 'idx.gz', 'npy', 'npz', 'png', 'wds', 'hf'];

let data: string;
/** Each dataset's data flags, and what its files hold (labels, pixels, class names), from the arrays the test wrote. */
const cases: { name: string; flags: string[]; labels: number[]; pixels: number[]; classes: string[]; license: string; cite: string }[] = [];
let kanjiFlags: string[];
let chestFlags: string[];
let chestTrain: { labels: Uint8Array };

beforeAll(async () => {
  data = tmp();
  // Sign Language MNIST: the test split's CSV, header and 784 pixels a row.
  const asl = [0, 1, 10, 24].map((label, i) => ({ label, pixels: pixelsOf(24, i, 784) }));
  writeFileSync(join(data, 'sign_mnist_test.csv'), ['label,' + Array.from({ length: 784 }, (_, i) => `pixel${i + 1}`).join(','), ...asl.map((r) => `${r.label},${r.pixels.join(',')}`)].join('\n') + '\n');
  cases.push({ name: 'sign-language-mnist', flags: ['--dataset', 'sign-language-mnist', '--dir', data, '--split', 'test'], labels: asl.map((r) => r.label), pixels: asl.flatMap((r) => [...r.pixels]), classes: [...'ABCDEFGHI', 'N/A', ...'KLMNOPQRSTUVWXY'], license: 'cc0-1.0', cite: 'signlanguagemnist2017' });
  // PneumoniaMNIST: the val split is a split of its own.
  const pneumonia = { train: medSplit(1, 2, 28, 1, (i) => i), val: medSplit(2, 4, 28, 1, (i) => i % 2), test: medSplit(3, 1, 28, 1, () => 0) };
  writeFileSync(join(data, 'pneumoniamnist.npz'), medmnistNpz(pneumonia, 28, 1));
  cases.push({ name: 'pneumoniamnist', flags: ['--dataset', 'pneumoniamnist', '--dir', data, '--split', 'val'], labels: [...pneumonia.val.labels], pixels: [...pneumonia.val.images], classes: ['normal', 'pneumonia'], license: 'cc-by-4.0', cite: 'yang2023medmnist' });
  // ChestMNIST: 14 findings a sample.
  const chest = { train: medSplit(4, 3, 28, 14, (i, c) => (i === 0 ? 0 : (i + c) % 2)), val: medSplit(5, 1, 28, 14, () => 0), test: medSplit(6, 1, 28, 14, () => 1) };
  chestTrain = chest.train;
  writeFileSync(join(data, 'chestmnist.npz'), medmnistNpz(chest, 28, 14));
  chestFlags = ['--dataset', 'chestmnist', '--dir', data];
  // Kuzushiji-49: the npz pair of the test split.
  const k49Labels = [0, 1, 48, 2];
  const k49 = k49Labels.map((_, i) => pixelsOf(49, i, 784));
  writeFileSync(join(data, 'k49-test-imgs.npz'), savezOne('|u1', [4, 28, 28], Uint8Array.from(k49.flatMap((p) => [...p]))));
  writeFileSync(join(data, 'k49-test-labels.npz'), savezOne('<i8', [4], Uint8Array.from(k49Labels)));
  cases.push({ name: 'kuzushiji-49', flags: ['--dataset', 'kuzushiji-49', '--dir', data, '--split', 'test'], labels: k49Labels, pixels: k49.flatMap((p) => [...p]), classes: [...'あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわゐゑをんゝ'], license: 'cc-by-sa-4.0', cite: 'clanuwat2018deep' });
  // notMNIST: letter folders, one PNG that does not decode.
  const letters = [...'ABCDEFGHIJ'];
  const not = letters.flatMap((letter, label) => [0, 1].map((k) => ({ label, path: join(data, 'notMNIST_small', letter, `${k}.png`), pixels: pixelsOf(label, k, 784) })));
  for (const s of not) {
    mkdirSync(join(s.path, '..'), { recursive: true });
    writeFileSync(s.path, await greyPng(s.pixels, 28));
  }
  writeFileSync(join(data, 'notMNIST_small', 'C', 'unreadable.png'), Buffer.from('not a png'));
  cases.push({ name: 'notmnist-small', flags: ['--dataset', 'notmnist-small', '--dir', data], labels: not.map((s) => s.label), pixels: not.flatMap((s) => [...s.pixels]), classes: letters, license: 'other', cite: 'bulatov2011notmnist' });
  // Kuzushiji-Kanji: U+XXXX folders of 64 x 64 PNGs.
  for (const [c, code] of ['U+4E00', 'U+4E8C'].entries()) {
    mkdirSync(join(data, 'kkanji2', code), { recursive: true });
    writeFileSync(join(data, 'kkanji2', code, 'a.png'), await greyPng(pixelsOf(c, 0, 4096), 64));
  }
  kanjiFlags = ['--dataset', 'kuzushiji-kanji', '--dir', data];
});

describe('the collections in idxflow export', () => {
  it('exports each to every format, with its labels, class names, licence and citation', () => {
    for (const c of cases) {
      for (const format of FORMATS) {
        const out = join(tmp(), format);
        const r = idxflow('export', ...c.flags, '--format', format, '--out', out, '--workers', '0');
        expect(r.stderr, `${c.name} ${format}`).toBe('');
        expect(r.status, `${c.name} ${format}: ${r.stderr}`).toBe(0);
        expect(r.stdout).toContain(`exported ${c.labels.length} images (${format})`);
        const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
        expect(manifest.count).toBe(c.labels.length);
        expect(manifest.pipeline.classes, `${c.name} ${format}`).toEqual(c.classes);
        if (format === 'npz') {
          const split = String(manifest.pipeline.split);
          const members = readZip(readFileSync(join(out, `${split}.npz`)));
          expect([...readNpy(members.get('y.npy')!).data]).toEqual(c.labels);
          expect([...readNpy(members.get('x.npy')!).data]).toEqual(c.pixels);
        }
        if (format === 'hf') {
          const card = readFileSync(join(out, 'README.md'), 'utf8');
          expect(card).toContain(`- ${c.license}\n`);
          expect(card).toContain(c.cite);
          for (const [i, name] of c.classes.entries()) expect(card).toContain(`      '${i}': '${name}'\n`);
        }
      }
    }
  });

  it("reports notMNIST's unreadable file in the summary, and writes MedMNIST's val split under its own name", () => {
    const out = join(tmp(), 'not');
    const r = idxflow('export', '--dataset', 'notmnist-small', '--dir', data, '--format', 'npz', '--out', out);
    expect(r.stdout).toMatch(/exported 20 images \(npz\) .*, skipped 1 unreadable file \(.*notMNIST_small\/C\/unreadable\.png\); manifest\.json/);
    const val = join(tmp(), 'val');
    expect(idxflow('export', '--dataset', 'pneumoniamnist', '--dir', data, '--split', 'val', '--format', 'idx', '--out', val).status).toBe(0);
    const idx = readFileSync(join(val, 'val-images-idx3-ubyte'));
    expect([idx.readUInt32BE(0), idx.readUInt32BE(4)]).toEqual([0x803, 4]);
    expect(idxflow('export', '--dataset', 'mnist', '--split', 'val', '--format', 'idx', '--out', join(tmp(), 'x')).stderr).toBe('idxflow: Expected --split train or test for --dataset mnist but received "val"\n');
  });

  it("stores ChestMNIST's label matrix and Kuzushiji-Kanji's class ids in the formats that keep them", () => {
    const chest = join(tmp(), 'chest');
    expect(idxflow('export', ...chestFlags, '--format', 'npz', '--out', chest).status).toBe(0);
    const members = readZip(readFileSync(join(chest, 'train.npz')));
    const matrix = readNpy(members.get('label_matrix.npy')!);
    expect([matrix.descr, matrix.shape, [...matrix.data]]).toEqual(['|u1', [3, 14], [...chestTrain.labels]]);
    expect([...readNpy(members.get('y.npy')!).data]).toEqual([0, 1, 1]); // 1 when any finding is
    const npy = join(tmp(), 'chest-npy');
    expect(idxflow('export', ...chestFlags, '--format', 'npy', '--out', npy).status).toBe(0);
    expect([...readNpy(readFileSync(join(npy, 'train-label-matrix.npy'))).data]).toEqual([...chestTrain.labels]);
    for (const format of ['wds', 'hf']) expect(idxflow('export', ...chestFlags, '--format', format, '--out', join(tmp(), format)).status, format).toBe(0);
    // Kanji's class ids: the index of each code point's folder among the sorted folders.
    const kanji = join(tmp(), 'kanji');
    expect(idxflow('export', ...kanjiFlags, '--format', 'npz', '--out', kanji).status).toBe(0);
    const ids = readNpy(readZip(readFileSync(join(kanji, 'train.npz'))).get('class_ids.npy')!);
    expect([ids.descr, ids.shape, [...new Uint16Array(ids.data.buffer, ids.data.byteOffset, 2)]]).toEqual(['<u2', [2], [0, 1]]);
    const png = join(tmp(), 'kanji-png');
    expect(idxflow('export', ...kanjiFlags, '--format', 'png', '--out', png).status).toBe(0);
    expect(readFileSync(join(png, 'labels.csv'), 'utf8')).toMatch(/^path,label,index,epoch\n0\/00000000\.png,0,0,0\n1\/00000001\.png,1,1,0\n$/);
    for (const format of ['npy', 'wds']) expect(idxflow('export', ...kanjiFlags, '--format', format, '--out', join(tmp(), format)).status, format).toBe(0);
    const hf = join(tmp(), 'kanji-hf');
    expect(idxflow('export', ...kanjiFlags, '--format', 'hf', '--out', hf).status).toBe(0);
    expect(readFileSync(join(hf, 'README.md'), 'utf8')).toContain("        names:\n          '0': '一'\n          '1': '二'\n"); // the class names of the folders, U+4E00 and U+4E8C
  });

  it('refuses them in the formats that cannot keep them, with the typed error, writing nothing', () => {
    for (const [flags, field, formats] of [[chestFlags, 'labelMatrix', ['idx', 'idx.gz', 'png']], [kanjiFlags, 'classIds', ['idx', 'idx.gz']]] as const) {
      for (const format of formats) {
        const out = join(tmp(), 'x');
        const r = idxflow('export', ...flags, '--format', format, '--out', out);
        expect(r.status, `${field} ${format}`).toBe(1);
        expect(existsSync(out)).toBe(false);
        expect(r.stderr).toContain(`UnstorableFieldError`);
        expect(r.stderr).toContain(`${field} (`);
        expect(r.stderr).toContain(`which ${format} cannot store: ${field === 'labelMatrix' ? 'npy, npz, wds, hf, toKerasNpz' : 'npy, npz, png, wds, hf, toKerasNpz, toTensors'} keep ${field}`);
      }
    }
  });

  it('refuses the RGB MedMNIST subsets in one line', () => {
    const r = idxflow('export', '--dataset', 'pathmnist', '--out', join(tmp(), 'p'));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('idxflow: Expected a grey dataset for --dataset but received "pathmnist": MedMNIST\'s RGB subsets (pathmnist, dermamnist, retinamnist, bloodmnist) are not read (one grey channel)\n');
  });

  it('reads any label,pixel CSV with --csv', () => {
    const out = join(tmp(), 'csv');
    const r = idxflow('export', '--csv', join(data, 'sign_mnist_test.csv'), '--format', 'npz', '--out', out);
    expect(r.status).toBe(0);
    const members = readZip(readFileSync(join(out, 'train.npz')));
    expect([...readNpy(members.get('y.npy')!).data]).toEqual(cases[0].labels);
  });
});

describe('the collections in idxflow preview', () => {
  it('draws a sheet of each, its rows going through the classes', async () => {
    for (const flags of [...cases.map((c) => c.flags), chestFlags, kanjiFlags]) {
      const out = join(tmp(), 'sheet.png');
      const grid = flags.includes('chestmnist') || flags.includes('kuzushiji-kanji') ? '1x3' : '2x3';
      const r = idxflow('preview', ...flags, '--grid', grid, '--rotate', '10', '--out', out);
      expect(r.status, `${flags.join(' ')}: ${r.stderr}`).toBe(0);
      const side = flags.includes('kuzushiji-kanji') ? 64 : 28;
      const meta = await sharp(out).metadata();
      expect(meta.format).toBe('png');
      expect(meta.height).toBeGreaterThanOrEqual(side * Number(grid[0])); // a row of images per row of the grid
    }
  });
});

describe('the collections in idxflow explore', () => {
  let server: RunningExplore;
  afterAll(() => server?.stop());

  it('lists them and shows one from a --dir', async () => {
    server = await startExplore(['--dataset', 'notmnist-small', '--dir', data]);
    const info = await fetchJson<{ datasets: string[] }>(`${server.url}/api/info`);
    expect(info.body.datasets).toEqual(expect.arrayContaining(['sign-language-mnist', 'pneumoniamnist', 'pneumoniamnist-224', 'kuzushiji-49', 'notmnist-small', 'notmnist-large', 'kuzushiji-kanji']));
    const { header, pixels } = await fetchGrid(`${server.url}/api/grid?rows=2&draws=1&label=3`);
    expect(header.rows).toBe(2);
    // Label 3 is D: its two samples, in file order, are samples 6 and 7.
    expect(header.indices).toEqual([6, 7]);
    expect(pixels.subarray(0, 784)).toEqual(Buffer.from(cases.find((c) => c.name === 'notmnist-small')!.pixels.slice(6 * 784, 7 * 784)));
  });
});
