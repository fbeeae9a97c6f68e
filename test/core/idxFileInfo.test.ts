// idxFileInfo(), what `idxflow info` prints, from the public entry: the header of a raw or
// gzipped IDX file, read without inflating the whole; a file whose size disagrees with its
// header is decoded for the exact error, and a gzip declaring more than the inflate ceiling is
// refused from its trailer. Files built here by hand, gzipped with Node's zlib.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { idxFileInfo, IdxFormatError, InflateLimitError } from '@idxflow/core';
import { describe, expect, it } from 'vitest';
import { gz, raw } from '../fixtures/mnist.js';

const dir = mkdtempSync(join(tmpdir(), 'idxflow-info-'));

/** An IDX header: two zero bytes, the type code, the number of dimensions, then each as a big-endian u32. */
const header = (type: number, dims: number[]): Buffer => {
  const bytes = Buffer.alloc(4 + 4 * dims.length);
  bytes[2] = type;
  bytes[3] = dims.length;
  dims.forEach((d, k) => bytes.writeUInt32BE(d, 4 + 4 * k));
  return bytes;
};

describe('idxFileInfo', () => {
  it("reads MNIST's headers, raw and gzipped", async () => {
    expect(await idxFileInfo(raw('train-images-idx3-ubyte'))).toEqual({ type: 'u8', dims: [60000, 28, 28], count: 60000 });
    expect(await idxFileInfo(gz('t10k-labels-idx1-ubyte'))).toEqual({ type: 'u8', dims: [10000], count: 10000 });
  });

  it('reads an i32 table of 3 x 2, raw', async () => {
    const file = join(dir, 'table-idx2-int');
    writeFileSync(file, Buffer.concat([header(0x0c, [3, 2]), Buffer.alloc(3 * 2 * 4)]));
    expect(await idxFileInfo(file)).toEqual({ type: 'i32', dims: [3, 2], count: 3 });
  });

  it('a file one record short is an IdxFormatError naming it', async () => {
    const file = join(dir, 'short-idx3-ubyte');
    writeFileSync(file, Buffer.concat([header(0x08, [3, 2, 2]), Buffer.alloc(2 * 4)]));
    const error = await idxFileInfo(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdxFormatError);
    expect((error as Error).message).toContain(file);
  });

  it("a raw file's header is read from its first bytes: each cut of a header, and a magic that is not IDX's, is the IdxFormatError decodeIdx gives", async () => {
    const whole = header(0x08, [5, 2, 2]); // 16 bytes
    for (let cut = 0; cut < whole.length; cut++) {
      const file = join(dir, `cut-${cut}-idx3-ubyte`);
      writeFileSync(file, whole.subarray(0, cut));
      const error = await idxFileInfo(file).catch((e: unknown) => e);
      expect(error, `${cut} bytes`).toBeInstanceOf(IdxFormatError);
      // As worked out from the format: the magic is 4 bytes; 3 dimensions make a header of 4 + 3 * 4.
      expect({ ...(error as IdxFormatError) }, `${cut} bytes`).toMatchObject({
        file,
        offset: cut,
        expected: cut < 4 ? 'a 4-byte IDX magic number' : 'an IDX header of 16 bytes',
        found: `end of data after ${cut} bytes`,
      });
      // The same bytes through gzip are read as a stream (decodeIdx): the same error.
      const zipped = `${file}.gz`;
      writeFileSync(zipped, gzipSync(whole.subarray(0, cut)));
      const streamed = (await idxFileInfo(zipped).catch((e: unknown) => e)) as IdxFormatError;
      expect({ offset: streamed.offset, expected: streamed.expected, found: streamed.found }, `${cut} bytes, gzipped`).toEqual({ offset: cut, expected: (error as IdxFormatError).expected, found: (error as IdxFormatError).found });
    }
    const notIdx = join(dir, 'not-idx');
    writeFileSync(notIdx, Buffer.concat([Buffer.from([0x01, 0x00, 0x08, 0x03]), whole.subarray(4)]));
    expect({ ...((await idxFileInfo(notIdx).catch((e: unknown) => e)) as IdxFormatError) }).toMatchObject({ offset: 0, found: '0x01000803' });
    const typeless = join(dir, 'typeless');
    writeFileSync(typeless, Buffer.concat([Buffer.from([0x00, 0x00, 0x07, 0x03]), whole.subarray(4)]));
    expect({ ...((await idxFileInfo(typeless).catch((e: unknown) => e)) as IdxFormatError) }).toMatchObject({ offset: 2, found: '0x07' });
  });

  it('reads a pipe once and whole (`idxflow info <(zcat f.gz)`): raw and gzipped, and a truncated one is refused as truncated', async () => {
    // A named pipe and a writer: what bash's <(...) hands a program. Before, a pipe was opened
    // twice (the header, then its size), and the second read found it empty: a TypeError.
    const viaPipe = async (bytes: Buffer): Promise<unknown> => {
      const fifo = join(mkdtempSync(join(tmpdir(), 'idxflow-info-pipe-')), 'pipe');
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      const source = `${fifo}.source`;
      writeFileSync(source, bytes);
      const writer = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', source, fifo]);
      const ended = new Promise((resolve) => writer.on('close', resolve));
      const result = await idxFileInfo(fifo).catch((e: unknown) => e);
      await ended;
      return result;
    };
    const labels = readFileSync(raw('t10k-labels-idx1-ubyte'));
    expect(await viaPipe(labels)).toEqual({ type: 'u8', dims: [10000], count: 10000 });
    expect(await viaPipe(gzipSync(labels))).toEqual({ type: 'u8', dims: [10000], count: 10000 });
    const truncated = (await viaPipe(labels.subarray(0, 1000))) as IdxFormatError;
    expect(truncated).toBeInstanceOf(IdxFormatError);
    // 8 header bytes, then 992 of the 10,000 one-byte records.
    expect({ offset: truncated.offset, found: truncated.found }).toEqual({ offset: 1000, found: 'end of data after 1000 bytes (992 whole records): the file is truncated' });
  });

  it('a gzip whose trailer declares more than 2 times its size, under maxInflateRatio 2, is refused before it is inflated', async () => {
    // 70 MiB of zeros, past the 64 MiB every file may inflate to: the trailer says 73400336 bytes.
    const file = join(dir, 'zeros-idx3-ubyte.gz');
    const records = 70 * 1024;
    writeFileSync(file, gzipSync(Buffer.concat([header(0x08, [records, 32, 32]), Buffer.alloc(records * 1024)])));
    const compressed = readFileSync(file).length;
    expect(compressed * 2).toBeLessThan(64 * 1024 * 1024);
    const error = await idxFileInfo(file, { maxInflateRatio: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InflateLimitError);
    expect((error as Error).message).toContain(`${16 + records * 1024} bytes or more`);
    expect(await idxFileInfo(file, { maxInflateRatio: 2000 })).toEqual({ type: 'u8', dims: [records, 32, 32], count: records });
  });
});
