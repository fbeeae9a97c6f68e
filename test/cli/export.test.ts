import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CLI, raw } from '../fixtures/mnist.js';
import { readNpy } from '../sinks/readers.js';

const idxflow = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const tmp = (): string => mkdtempSync(join(tmpdir(), 'idxflow-cli-'));

describe('idxflow export', () => {
  it('exports augmented copies and prints a one-line summary', () => {
    const out = tmp();
    const r = idxflow('export', '--split', 'test', '--copies', '2', '--rotate', '10', '--shift', '1:2', '--shuffle', '--seed', '4', '--format', 'npy', '--workers', '1', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^exported 20000 images \(npy\) to .+ in \d+\.\d\d s \(\d+ images\/s\); manifest\.json\n$/);
    const x = readNpy(readFileSync(join(out, 'test-images.npy')));
    expect(x.shape).toEqual([20000, 28, 28]);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.pipeline).toMatchObject({ copies: 2, shuffle: true, augment: { rotate: 10, shift: [1, 2] } });
    // The two copies are different augmentations of the same 10,000 digits.
    const first = x.data.subarray(0, 10000 * 784);
    const second = x.data.subarray(10000 * 784);
    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(false);
  });

  it('exits 2 with a message naming the flag for bad flags', () => {
    const cases: [string[], string][] = [
      [['--format', 'jpeg', '--out', 'x'], 'Expected one of idx, idx.gz, npy, npz, png, wds, hf for --format but received "jpeg"'],
      [['--rotate', 'abc', '--out', 'x'], 'Expected a decimal number for --rotate but received "abc"'],
      [['--scale', '2:1', '--out', 'x'], 'Expected MIN <= MAX for --scale but received "2:1"'],
      [['--elastic', '34', '--out', 'x'], 'Expected ALPHA:SIGMA for --elastic but received "34"'],
      [['--normalize', '0.1:0.3', '--format', 'png', '--out', 'x'], 'Expected --normalize only with --format npy or npz but received --format png'],
      [['--dataset', 'cifar', '--out', 'x'], 'Expected one of mnist, fashion-mnist, kmnist, emnist-byclass, emnist-bymerge, emnist-balanced, emnist-letters, emnist-digits, emnist-mnist, qmnist, sign-language-mnist, notmnist-small, notmnist-large, kuzushiji-kanji, kuzushiji-49, chestmnist, chestmnist-64, chestmnist-128, chestmnist-224, pneumoniamnist, pneumoniamnist-64, pneumoniamnist-128, pneumoniamnist-224, breastmnist, breastmnist-64, breastmnist-128, breastmnist-224, octmnist, octmnist-64, octmnist-128, octmnist-224, organamnist, organamnist-64, organamnist-128, organamnist-224, organcmnist, organcmnist-64, organcmnist-128, organcmnist-224, organsmnist, organsmnist-64, organsmnist-128, organsmnist-224, tissuemnist, tissuemnist-64, tissuemnist-128, tissuemnist-224, mnist-c for --dataset but received "cifar"'],
      [[], 'Expected --out DIR'],
    ];
    for (const [args, message] of cases) {
      const r = idxflow('export', ...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(message);
    }
  });

  it('exits 1 naming the file for a bad input file, and writes nothing under a final name', () => {
    const dir = tmp();
    const images = join(dir, 'images');
    writeFileSync(images, readFileSync(raw('t10k-images-idx3-ubyte')).subarray(0, 100_000)); // truncated
    const out = join(dir, 'out');
    const r = idxflow('export', '--images', images, '--labels', raw('t10k-labels-idx1-ubyte'), '--format', 'idx', '--out', out);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`IdxFormatError: ${images} at byte 100000: expected 7840016 bytes`);
    expect(existsSync(out)).toBe(false); // the input is read whole before --out is made
  });

  it('leaves no incomplete file under a final name when killed, and the next run completes', async () => {
    const out = tmp();
    const args = [CLI, 'export', '--copies', '3', '--rotate', '15', '--format', 'npy', '--workers', '1', '--out', out];
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    // Kill it once it is writing (a temporary exists), well before it can finish.
    for (let i = 0; i < 600 && !readdirSync(out).some((n) => n.endsWith('.partial')); i++) await new Promise((r) => setTimeout(r, 25));
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const left = readdirSync(out);
    expect(left.some((n) => n.endsWith('.partial'))).toBe(true);
    // What lets a rerun go on: the journal; and the lock the killed run held, stale now (its process is gone).
    expect(left.filter((n) => !n.endsWith('.partial')).sort()).toEqual(['.manifest.json.journal', '.manifest.json.lock']);

    const again = spawnSync(process.execPath, args, { encoding: 'utf8' });
    expect(again.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['manifest.json', 'train-images.npy', 'train-labels.npy']);
    expect(readNpy(readFileSync(join(out, 'train-labels.npy'))).shape).toEqual([180000]);
  });
});

describe('idxflow preview', () => {
  it('writes a grey PNG contact sheet of the requested grid', async () => {
    const out = join(tmp(), 'sheet.png');
    const r = idxflow('preview', '--split', 'test', '--rotate', '20', '--elastic', '34:4', '--grid', '3x5', '--zoom', '2', '--out', out);
    expect(r.status).toBe(0);
    expect(existsSync(out)).toBe(true);
    const meta = await sharp(out).metadata();
    // 5 columns and 3 rows of 28 px cells with a 1 px gap, zoomed 2x.
    expect([meta.width, meta.height, meta.channels]).toEqual([5 * 29 * 2, 3 * 29 * 2, 1]);
    // The first column is the source digit: the first test '0' (index 3) scaled 2x, nearest.
    const { data } = await sharp(out).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    const zero = readFileSync(raw('t10k-images-idx3-ubyte')).subarray(16 + 3 * 784, 16 + 4 * 784);
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) expect(data[(2 * y) * meta.width! + 2 * x]).toBe(zero[y * 28 + x]);
  });

  it('makes the directory of --out, as the exports do', async () => {
    const out = join(tmp(), 'new', 'nested', 'sheet.png');
    const r = idxflow('preview', '--split', 'test', '--grid', '2x3', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readdirSync(join(out, '..'))).toEqual(['sheet.png']); // and no temporary beside it
    expect((await sharp(out).metadata()).format).toBe('png');
  });

  it('exits 1 naming the path when --out cannot be written, and leaves nothing behind', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'file'), 'not a directory');
    const out = join(dir, 'file', 'sheet.png'); // its "directory" is a file, which even root cannot write into
    const r = idxflow('preview', '--split', 'test', '--grid', '2x3', '--out', out);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^idxflow: Error: E[A-Z]+: .*\/file'\n$/); // Node's code and message, naming the path
    expect(r.stderr).not.toMatch(/unexpected|\n\s+at /); // a message, not a stack trace
    expect(readdirSync(dir)).toEqual(['file']);
  });
});
