// The hostile files of issue 21, each given to the CLI in a child process: decompression bombs
// (an EMNIST archive in --dir, an npz, a .gz given to info), a zip member whose directory entry
// lies about its size, an NPY shape numpy refuses, a corrupt npz member, a file of no records,
// a label past 2^32 - 1 and a ZIP64 offset past 2^53. Each must end within 10 s (the issue's
// bound, generous: the runs take about a second) with one typed line naming the file (and the
// member or offset), at under 512 MiB of peak RSS (GNU time's %M), and leave nothing in --out.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CLI } from '../fixtures/mnist.js';
import { deflateBomb, gzipBomb, honestMember, idxHeader, MIB, npyFile, npyHeader, rawZip } from '../fixtures/hostile.js';
import { zipArchive } from '../fixtures/zip.js';

const TIME = '/usr/bin/time'; // Debian's time package (.ci/run installs it)
const dir = mkdtempSync(join(tmpdir(), 'idxflow-hostile-'));

/** Runs the CLI under GNU time: exit status, stderr, peak RSS in MiB, and whether it was killed at 10 s. */
function run(...args: string[]): { status: number | null; stderr: string; peakMiB: number; killed: boolean } {
  const rss = join(dir, `rss-${Math.random().toString(36).slice(2)}`);
  const start = Date.now();
  const r = spawnSync(TIME, ['-f', '%M', '-o', rss, process.execPath, CLI, ...args], { encoding: 'utf8', timeout: 10_000 });
  const kib = existsSync(rss) ? Number(readFileSync(rss, 'utf8').trim().split('\n').at(-1)) : NaN;
  console.log(`idxflow ${args[0]} ${args[1]}: ${((Date.now() - start) / 1000).toFixed(2)} s, peak RSS ${(kib / 1024).toFixed(0)} MiB: ${r.stderr.trim().slice(0, 100)}`);
  return { status: r.status, stderr: r.stderr, peakMiB: kib / 1024, killed: r.signal !== null };
}

/** Checks a run: one line matching `line`, exit 1, within 10 s and 512 MiB. */
function expectRefusal(r: ReturnType<typeof run>, line: RegExp): void {
  expect(r.killed, 'ended within 10 s').toBe(false);
  expect(r.stderr).toMatch(line);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.status).toBe(1);
  expect(r.peakMiB).toBeLessThan(512);
}

/** Exports with `args` into a fresh --out and checks the refusal, and that nothing was written. */
function refused(args: string[], line: RegExp): void {
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
  expectRefusal(run('export', ...args, '--format', 'npy', '--out', out), line);
  expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
}

/** Writes `bytes` to a fresh file named `name` in the test folder and returns its path. */
function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const u8Labels = (n: number): Uint8Array => npyFile('|u1', `(${n},)`, new Uint8Array(n));

describe('hostile archives and files', () => {
  it('an EMNIST archive in --dir whose labels inflate to 3 GiB is refused at its header (more samples than EMNIST digits publishes)', () => {
    const emnist = join(dir, 'emnist');
    mkdirSync(emnist);
    const bomb = gzipBomb(idxHeader([3 * 1024 * MIB]), 3 * 1024); // 3 GiB of labels
    const images = gzipSync(Buffer.concat([idxHeader([240000, 28, 28])]));
    writeFileSync(join(emnist, 'gzip.zip'), zipArchive([
      { name: 'gzip/emnist-digits-train-labels-idx1-ubyte.gz', data: bomb },
      { name: 'gzip/emnist-digits-train-images-idx3-ubyte.gz', data: images },
    ]));
    const member = esc(`${join(emnist, 'gzip.zip')}: emnist-digits-train-labels-idx1-ubyte.gz`);
    refused(['--dataset', 'emnist-digits', '--dir', emnist], new RegExp(`^idxflow: IdxFormatError: ${member} at byte 4: expected at most 240000 labels \\(EMNIST digits train as published\\), found ${3 * 1024 * MIB}\\n$`));
  });

  it('a 1 MB npz whose images member inflates to 1 GiB is refused from its directory entry, before inflating', () => {
    const head = npyHeader("{'descr': '|u1', 'fortran_order': False, 'shape': (1024, 1024, 1024), }");
    const size = head.length + 1024 * MIB;
    const x = { name: 'x.npy', body: deflateBomb(head, 1024), method: 8 as const, size, crc: 0 };
    const path = join(dir, 'bomb.npz');
    writeFileSync(path, rawZip([x, honestMember('y.npy', u8Labels(10))]));
    expect(readFileSync(path).length).toBeLessThan(1.5 * MIB);
    refused(['--npz', path], new RegExp(`^idxflow: InflateLimitError: ${esc(path)}: x\\.npy at byte 0: expected at most ${Math.max(64 * MIB, 100 * x.body.length)} inflated bytes from ${x.body.length} compressed ones \\(100 times as many, or 64 MiB; --max-inflate-ratio raises it\\), found ${size} bytes or more\\n$`));
  });

  it('a zip member whose directory entry says 1,000 bytes stops at its first piece past them, not after its 1 GiB', () => {
    const head = npyHeader("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 8, 109), }");
    expect(head.length + 8 * 109).toBe(1000);
    const x = { name: 'x.npy', body: deflateBomb(head, 1024), method: 8 as const, size: 1000, crc: 0 };
    const path = file('liar.npz', rawZip([x, honestMember('y.npy', u8Labels(1))]));
    refused(['--npz', path], new RegExp(`^idxflow: ZipError: ${esc(path)}: x\\.npy at byte 0: expected 1000 bytes, as the central directory lists, found \\d+ bytes inflated so far, and more to come: the directory understates the member, or its data is corrupt\\n$`));
  });

  it('info on a 1 MB .gz that inflates to 1 GiB reads its header and refuses the size it declares', () => {
    const bomb = gzipBomb(idxHeader([1024, 1024, 1024]), 1024);
    const path = file('bomb-idx3-ubyte.gz', bomb);
    const declared = 16 + 1024 * MIB;
    expectRefusal(run('info', path), new RegExp(`^idxflow: InflateLimitError: ${esc(path)}: expected at most ${Math.max(64 * MIB, 100 * bomb.length)} inflated bytes from ${bomb.length} compressed ones \\(100 times as many, or 64 MiB;.*\\), found ${declared} bytes or more\\n$`));
  });

  it('a .gz whose IDX header announces 10 images but which inflates to 1 GiB stops at the first byte past them', () => {
    const images = file('liar-images-idx3-ubyte.gz', gzipBomb(Buffer.concat([idxHeader([10, 28, 28]), new Uint8Array(10 * 784)]), 1024));
    const labels = file('liar-labels-idx1-ubyte.gz', gzipSync(Buffer.concat([idxHeader([10]), new Uint8Array(10)])));
    refused(['--images', images, '--labels', labels], new RegExp(`^idxflow: IdxFormatError: ${esc(images)} at byte ${16 + 7840}: expected end of data after 10 records of 784 bytes, found \\d+ more bytes\\n$`));
  });

  it('an NPY shape with a float, (20.0, 28, 28), is refused as numpy refuses it', () => {
    const images = file('float-shape.npy', npyFile('|u1', '(20.0, 28, 28)', new Uint8Array(20 * 784)));
    const labels = file('float-shape-labels.npy', u8Labels(20));
    refused(['--npy', `${images},${labels}`], new RegExp(`^idxflow: NpyFormatError: ${esc(images)} at byte 10: expected a shape tuple of Python ints, at least one \\(as numpy requires\\), found \\(20\\.0, 28, 28\\): "20\\.0", not a Python int\\n$`));
  });

  it('a corrupt npz member (deflate data, local header) is a ZipError naming archive, member and byte', () => {
    const x = honestMember('x.npy', npyFile('|u1', '(10, 28, 28)', Uint8Array.from({ length: 7840 }, (_, i) => i % 251)));
    const y = honestMember('y.npy', u8Labels(10));
    const body = Uint8Array.from(x.body);
    body[0] = 0xff; // BFINAL 1, BTYPE 11: the reserved block type
    const corrupt = file('corrupt.npz', rawZip([{ ...x, body }, y]));
    const xAt = 30 + 'x.npy'.length; // x.npy is first: its data follows its local header
    refused(['--npz', corrupt], new RegExp(`^idxflow: ZipError: ${esc(corrupt)}: x\\.npy at byte ${xAt}: expected .*block type.*\\n$`));
    const zip = rawZip([x, y]);
    zip[0] = 0x51; // the local header's signature, where the directory points
    const noHeader = file('no-local-header.npz', zip);
    refused(['--npz', noHeader], new RegExp(`^idxflow: ZipError: ${esc(noHeader)}: x\\.npy at byte 0: expected a local file header \\(0x04034b50\\) where the central directory points, found 0x04034b51\\n$`));
  });

  it('a file of zero records is named in the error', () => {
    const images = file('none-images.npy', npyFile('|u1', '(0, 28, 28)', new Uint8Array(0)));
    const labels = file('none-labels.npy', npyFile('|u1', '(0,)', new Uint8Array(0)));
    refused(['--npy', `${images},${labels}`], new RegExp(`^idxflow: BlockMismatchError: ${esc(images)} and ${esc(labels)}: expected at least one sample, found none`));
  });

  it('a u4 label of 4294967295 is printed as 4294967295', () => {
    const images = file('big-label-images.npy', npyFile('|u1', '(2, 28, 28)', new Uint8Array(2 * 784)));
    const labels = file('big-label.npy', npyFile('<u4', '(2,)', new Uint8Array(Uint32Array.of(4294967295, 1).buffer)));
    refused(['--npy', `${images},${labels}`], new RegExp(`^idxflow: NpyFormatError: ${esc(labels)} at byte 128: expected a label from 0 to 255 at index 0, found 4294967295\\n$`));
  });

  it('a ZIP64 directory offset past 2^53 is given exactly, 18446744073709551600, not rounded', () => {
    const members = [honestMember('x.npy', npyFile('|u1', '(1, 2, 2)', new Uint8Array(4))), honestMember('y.npy', u8Labels(1))];
    const path = file('zip64.npz', rawZip(members, { zip64Offset: 0xfffffffffffffff0n }));
    const record = readFileSync(path).length - 22 - 20 - 56; // the ZIP64 end record, then its locator and the end record
    refused(['--npz', path], new RegExp(`^idxflow: ZipError: ${esc(path)} at byte ${record + 48}: expected a ZIP64 central directory offset of at most 2\\^53 - 1, found 18446744073709551600\\n$`));
  });
});
