// Issue 21's hostile files, each run through the CLI as a child process: it ends within 10 s
// with a typed one-line error naming the file (or succeeds where it must), its peak RSS under
// 512 MiB, nothing left in --out. The Parquet reader stops on SIGINT and SIGTERM within 1 s, and
// 500 byte flips of a small Parquet export each end, read or refused with a typed error.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdxflowError, loadBlock, parquet } from '@idxflow/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { greyPng, pattern, runMeasured, stopWhileDecoding, zeroPng, type CliRun } from '../fixtures/hostileFiles.js';
import { CLI } from '../fixtures/mnist.js';
import { readWithArrow, writeWithArrow } from '../sinks/files/hfReaders.js';

const root = mkdtempSync(join(tmpdir(), 'idxflow-hostile-'));
const SIDE = 16383; // the largest side libvips' default pixel limit (0x3FFF x 0x3FFF) lets through
let smallParquet = '';
let bomb: Buffer;

/** Checks the run ended within 10 s and under 512 MiB, wrote nothing to `out`, and printed one line. */
function bounded(run: CliRun, out: string): void {
  console.log(`${run.seconds.toFixed(2)} s, peak RSS ${run.peakMiB.toFixed(0)} MiB: ${run.stderr.trim()}`);
  expect(run.seconds, run.stderr).toBeLessThan(10);
  expect(run.peakMiB, run.stderr).toBeLessThan(512);
  expect(existsSync(out), run.stderr).toBe(false);
  expect(run.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('export ')), run.stderr).toHaveLength(1);
}

/** An image folder `name` with class `a` holding `files` (name -> bytes). */
function folder(name: string, files: Record<string, Buffer>): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'a'), { recursive: true });
  for (const [file, bytes] of Object.entries(files)) writeFileSync(join(dir, 'a', file), bytes);
  return dir;
}

/** The pixels of an npy export's images file (a version 1 header: its length at bytes 8-9). */
function npyData(path: string): Uint8Array {
  const bytes = readFileSync(path);
  return bytes.subarray(10 + bytes.readUInt16LE(8));
}

beforeAll(async () => {
  const out = join(root, 'hf');
  const made = spawnSync(process.execPath, [CLI, 'export', '--format', 'hf', '--limit', '64', '--out', out], { encoding: 'utf8' });
  expect(made.status, made.stderr).toBe(0);
  smallParquet = join(out, 'mnist', 'train-00000-of-00001.parquet');
  bomb = await zeroPng(SIDE);
}, 60_000);

describe('Parquet', () => {
  it('the flipped page header that sent hyparquet 1.33.0 into an endless readVarInt loop is a ParquetFormatError naming the file and the page', async () => {
    // Byte 26 is the first page header's definition_levels_byte_length (thrift 0x15 0x06: zigzag
    // 3). Flipped to 0xf9 it reads as a varint that swallows what follows, the header loses
    // repetition_levels_byte_length, and hyparquet's reader offset became NaN: readVarInt read
    // byte 0 (0x80, "more follows") for ever.
    const good = readFileSync(smallParquet);
    expect([good[25], good[26]]).toEqual([0x15, 0x06]);
    const bad = Buffer.from(good);
    bad[26] ^= 0xff;
    const file = join(root, 'loop.parquet');
    writeFileSync(file, bad);
    const out = join(root, 'loop-out');
    const run = await runMeasured(['export', '--parquet', file, '--format', 'png', '--out', out]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^idxflow: ParquetFormatError: ${file.replace(/[/.-]/g, '\\$&')} at byte 4: expected level lengths that fit in the page's \\d+ bytes \\(column image\\.bytes\\), found repetition_levels_byte_length undefined, definition_levels_byte_length -?\\d+\\n$`));
    bounded(run, out);
  });

  it('export stops within 1 s on SIGTERM and on SIGINT while it reads a large Parquet file, preview on SIGTERM, with nothing written', async () => {
    const { images, labels } = readWithArrow(readFileSync(smallParquet));
    const n = 40_000; // a read of several seconds, under way at the signal
    const file = join(root, 'large.parquet');
    writeFileSync(file, writeWithArrow(Array.from({ length: n }, (_, i) => images[i % 64].bytes), Array.from({ length: n }, (_, i) => Number(labels[i % 64])), {}));
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const out = join(root, `large-${signal}`);
      const run = await stopWhileDecoding(['export', '--parquet', file, '--format', 'npy', '--out', out], signal);
      console.log(`${signal} while decoding: exit ${run.status} after ${run.secondsToExit.toFixed(3)} s`);
      expect(run.runningAtSignal, run.stderr).toBe(true);
      expect(run.secondsToExit, signal).toBeLessThan(1);
      expect(run.status, run.stderr).toBe(130);
      expect(run.stderr).toBe(`idxflow: interrupted while reading ${file}: nothing written\n`);
      expect(existsSync(out)).toBe(false);
    }
    // preview (like info and explore) keeps the default disposition: the signal ends it where it is.
    const sheet = join(root, 'sheet.png');
    const preview = await stopWhileDecoding(['preview', '--parquet', file, '--out', sheet], 'SIGTERM');
    console.log(`preview, SIGTERM while decoding: ended after ${preview.secondsToExit.toFixed(3)} s`);
    expect(preview.runningAtSignal, preview.stderr).toBe(true);
    expect(preview.secondsToExit).toBeLessThan(1);
    expect(preview.status).toBe(null); // ended by the signal
    expect(existsSync(sheet)).toBe(false);
  }, 60_000);

  it('500 byte flips across a small export, and every byte of its first page header flipped, each end: read, or refused with a typed error', async () => {
    const good = readFileSync(smallParquet);
    const offsets = [...Array.from({ length: 40 }, (_, i) => 4 + i), ...Array.from({ length: 500 }, (_, i) => Math.floor((i * good.length) / 500))];
    const outcomes: Record<string, number> = {};
    const file = join(root, 'flip.parquet');
    for (const offset of offsets) {
      const flipped = Buffer.from(good);
      flipped[offset] ^= 0xff;
      writeFileSync(file, flipped);
      const start = performance.now();
      const outcome = await loadBlock(parquet({ files: [file] })).then(
        () => 'read',
        (e: unknown) => (e instanceof IdxflowError ? e.name : `untyped ${String(e)}`),
      );
      expect(performance.now() - start, `byte ${offset}`).toBeLessThan(10_000);
      expect(outcome, `byte ${offset}`).not.toMatch(/^untyped/);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    console.log('Parquet byte flips (540):', outcomes);
    expect(Object.values(outcomes).reduce((a, b) => a + b)).toBe(540);
  }, 120_000);

  it('a dictionary-encoded Parquet of 16383 x 16383 PNGs (one 260 KB value, 64 rows) is an ImageTooLargeError before any decoding', async () => {
    const file = join(root, 'bomb.parquet');
    writeFileSync(file, writeWithArrow(Array.from({ length: 64 }, () => bomb), Array.from({ length: 64 }, () => 0), {}));
    expect(readFileSync(file).length).toBeLessThan(2 * bomb.length); // the 64 images share one dictionary value
    const out = join(root, 'bomb-out');
    const run = await runMeasured(['export', '--parquet', file, '--format', 'npy', '--out', out]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^idxflow: ImageTooLargeError: ${file.replace(/[/.-]/g, '\\$&')} row 0 at byte 16: expected at most 89478485 pixels \\(--max-image-pixels\\), found ${SIDE} x ${SIDE} = ${SIDE * SIDE} pixels\\n$`));
    bounded(run, out);
  });
});

describe('image folders', () => {
  it('eight PNGs declaring 16383 x 16383 pixels: an ImageTooLargeError naming the first (0.png, whichever decoder fails first), under 512 MiB; --max-image-pixels sets the ceiling', async () => {
    const dir = folder('huge', Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`${i}.png`, bomb])));
    for (const [flags, most] of [[[], 89_478_485], [['--max-image-pixels', '1000000'], 1_000_000]] as const) {
      const out = join(root, `huge-out-${most}`);
      const run = await runMeasured(['export', '--images-dir', dir, ...flags, '--format', 'npy', '--out', out]);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`^idxflow: ImageTooLargeError: ${dir}/a/0\\.png at byte 16: expected at most ${most} pixels .*, found ${SIDE} x ${SIDE} = ${SIDE * SIDE} pixels\\n$`));
      bounded(run, out);
    }
  });

  it('a symbolic link to /dev/zero named z.png, and a FIFO named f.png, are refused before anything is read', async () => {
    const zero = folder('zero', { 'ok.png': greyPng(pattern(1), 28, 28) });
    symlinkSync('/dev/zero', join(zero, 'a', 'z.png'));
    const fifo = folder('fifo', { 'ok.png': greyPng(pattern(1), 28, 28) });
    expect(spawnSync('mkfifo', [join(fifo, 'a', 'f.png')]).status).toBe(0);
    for (const [dir, name, kind] of [[zero, 'z.png', 'a symbolic link to a character device'], [fifo, 'f.png', 'a FIFO']]) {
      const out = join(dir, '..', `${name}-out`);
      const run = await runMeasured(['export', '--images-dir', dir, '--format', 'npy', '--out', out]);
      expect(run.status).toBe(1);
      expect(run.stderr).toBe(`idxflow: ImageFolderError: ${dir}/a/${name}: expected image files that are regular files (or symbolic links to them), found ${kind}, the first of 1 such entries\n`);
      bounded(run, out);
    }
  });

  it('a class folder that is a symbolic link is a class, as torchvision reads it, with its pixels; a name that is not UTF-8 is read', async () => {
    const dir = folder('linked', { '1.png': greyPng(pattern(1), 28, 28) });
    writeFileSync(Buffer.concat([Buffer.from(join(dir, 'a', 'caf')), Buffer.from([0xe9]), Buffer.from('.png')]), greyPng(pattern(2), 28, 28)); // Latin-1 "café"
    mkdirSync(join(root, 'elsewhere'));
    writeFileSync(join(root, 'elsewhere', '3.png'), greyPng(pattern(3), 28, 28));
    symlinkSync(join(root, 'elsewhere'), join(dir, 'b'));
    const out = join(root, 'linked-out');
    const run = await runMeasured(['export', '--images-dir', dir, '--format', 'npy', '--out', out]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.peakMiB).toBeLessThan(512);
    // Sorted by bytes: "1.png" (0x31) before "caf\xe9.png" (0x63); class a = 0, b = 1.
    expect(Array.from(npyData(join(out, 'train-labels.npy')))).toEqual([0, 0, 1]);
    expect(Buffer.from(npyData(join(out, 'train-images.npy')))).toEqual(Buffer.concat([pattern(1), pattern(2), pattern(3)]));
  });

  it('a PNG whose IDAT CRC does not match is a PngFormatError naming it and the byte, not changed pixels', async () => {
    const png = greyPng(pattern(1), 28, 28, 1);
    const dir = folder('crc', { 'bad.png': png });
    const out = join(root, 'crc-out');
    const run = await runMeasured(['export', '--images-dir', dir, '--format', 'npy', '--out', out]);
    expect(run.status).toBe(1);
    const crcAt = png.length - 12 - 4; // IDAT's CRC: before IEND (12 bytes)
    expect(run.stderr).toBe(`idxflow: PngFormatError: ${dir}/a/bad.png at byte ${crcAt}: expected the CRC-32 of the IDAT chunk, ${png.readUInt32BE(crcAt) - 1}, found ${png.readUInt32BE(crcAt)}\n`);
    bounded(run, out);
  });
});

it('float32 images to PNG are refused (exit 2) from the NPY header, before the images are read or anything is written', async () => {
  const f32 = join(root, 'f32');
  const made = spawnSync(process.execPath, [CLI, 'export', '--format', 'npy', '--normalize', '0.1307:0.3081', '--limit', '10', '--out', f32], { encoding: 'utf8' });
  expect(made.status, made.stderr).toBe(0);
  const images = join(f32, 'train-images.npy');
  const out = join(root, 'f32-png');
  const run = await runMeasured(['export', '--npy', `${images},${join(f32, 'train-labels.npy')}`, '--format', 'png', '--out', out]);
  expect(run.status).toBe(2);
  expect(run.stderr).toBe(`idxflow: ExportRefusedError: ${images}: expected uint8 images for --format png (PNG files hold 8-bit pixels; export float32 images as npy or npz), found float32 images (descr '<f4')\n`); // from the header: numpy writes little-endian float32 as '<f4'
  bounded(run, out);
});
