import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, gz, raw } from '../fixtures/mnist.js';

const idxflow = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'idxflow-cli-info-'));

describe('idxflow info', () => {
  it('prints type, dims and count of the raw training images', () => {
    const r = idxflow('info', raw('train-images-idx3-ubyte'));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('type   u8');
    expect(r.stdout).toContain('dims   60000 x 28 x 28');
    expect(r.stdout).toContain('count  60000');
  });

  it('prints JSON for a gzipped file', () => {
    const images = idxflow('info', '--json', gz('t10k-images-idx3-ubyte'));
    expect(images.status).toBe(0);
    expect(JSON.parse(images.stdout)).toEqual({ type: 'u8', dims: [10000, 28, 28], count: 10000 });
    expect(JSON.parse(idxflow('info', gz('train-labels-idx1-ubyte'), '--json').stdout)).toEqual({ type: 'u8', dims: [60000], count: 60000 });
  });

  it('exits 1 with the error on stderr for a truncated file', () => {
    const path = join(dir, 'cut');
    writeFileSync(path, readFileSync(raw('t10k-labels-idx1-ubyte')).subarray(0, 500));
    const r = idxflow('info', path);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `idxflow: IdxFormatError: ${path} at byte 500: expected 10008 bytes (10000 records of u8), found end of data after 500 bytes (492 whole records): the file is truncated\n`,
    );
  });

  it('exits 1 for a file that is not IDX, and for a corrupt gzip', () => {
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'hello world, not an IDX file');
    const r = idxflow('info', text);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`idxflow: IdxFormatError: ${text} at byte 0: expected magic 0x0000TTNN (two zero bytes, a type code, a dimension count), found 0x68656c6c\n`);

    const bad = Buffer.from(readFileSync(gz('t10k-labels-idx1-ubyte')));
    bad[bad.length - 1] ^= 0xff; // the size field of the trailer
    const badPath = join(dir, 'bad.gz');
    writeFileSync(badPath, bad);
    const g = idxflow('info', badPath);
    expect(g.status).toBe(1);
    expect(g.stderr).toMatch(new RegExp(`^idxflow: GzipError: ${badPath} at byte ${bad.length - 8}: expected gzip trailer CRC-32 0x[0-9a-f]{8} and size 10008`));
  });

  it('exits 1 naming a missing file, and 2 on a bad command line', () => {
    const missing = idxflow('info', join(dir, 'nope'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(`ENOENT: no such file or directory, open '${join(dir, 'nope')}'`);
    const usage = idxflow('info');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toBe('idxflow: Expected FILE for idxflow info but received none (idxflow help info shows its usage)\n');
    expect(idxflow('frobnicate').status).toBe(2);
  });

  it('names a folder given as a file, even by a one-letter relative path (a read error carries no path of its own)', () => {
    mkdirSync(join(dir, 'd'));
    const inFolder = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir });
    for (const args of [['info', 'd'], ['export', '--npz', 'd', '--out', 'o'], ['export', '--npy', 'd,d', '--out', 'o']]) {
      const r = inFolder(...args);
      expect([r.status, r.stderr], args.join(' ')).toEqual([1, 'idxflow: Error: EISDIR: illegal operation on a directory, read (d)\n']);
    }
  });
});
