// decodeNpy against numpy's own reader: which header shapes are refused (numpy's verdict,
// asked of /usr/bin/python3, is the expectation), and a record far larger than the chunks
// that carry it decodes to the bytes written.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBytes, NpyFormatError } from '@idxflow/core';
import { decodeNpy, type NpyRecords } from '@idxflow/core/internal';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { npyFile } from '../fixtures/hostile.js';
import { describeWithPython, PYTHON } from '../fixtures/python.js';

const decode = (bytes: Uint8Array, chunkSize = 1 << 16): Promise<NpyRecords[]> => lastValueFrom(fromBytes(bytes, { chunkSize }).pipe(decodeNpy({ file: 'a.npy' }), toArray()));

/** The shape decodeNpy reads from the header of `bytes`, or null where it refuses it (NpyFormatError). */
const shapeRead = (bytes: Uint8Array): Promise<number[] | null> =>
  new Promise((resolve, reject) => {
    fromBytes(bytes)
      .pipe(decodeNpy({ file: 'a.npy', onHeader: (h) => resolve([...h.shape]) }))
      .subscribe({ error: (e: unknown) => (e instanceof NpyFormatError ? resolve(null) : reject(e)) });
  });

// Shapes written as a header may hold them: ints in Python's spellings, and what numpy refuses.
// Not "(-2, 3)": np.load of a file passes the negative count to fromfile, which reads all the
// data and reshapes it (to (20, 3) here), while from a stream it says "negative dimensions are
// not allowed"; decodeNpy refuses it (the last test).
const SHAPES = ['(2, 3)', '(2,)', '(2,3,)', '( 2 , 3 )', '(0x2, 3)', '(0o2, 3)', '(0b10, 3)', '(1_0, 3)', '(+2, 3)', '(2L, 3)', '(20.0, 3)', '(2, 3.5)', '(2, 3e0)', '(True, 3)', '(2, 03)', "(2, '3')", '[2, 3]', '(2)', '(2, None)'];

describeWithPython(['numpy'], 'NPY header shapes, as numpy reads them', () => {
  it('refuses the shapes numpy refuses and reads the others as numpy does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idxflow-npy-shapes-'));
    const files = SHAPES.map((shape, k) => {
      const path = join(dir, `${k}.npy`);
      writeFileSync(path, npyFile('|u1', shape, new Uint8Array(60)));
      return path;
    });
    // numpy's verdict on each file: the shape np.load gives it, or null where np.load raises.
    const script = `import json, sys, numpy as np
out = []
for path in sys.argv[1:]:
    try:
        out.append([int(d) for d in np.load(path, allow_pickle=False).shape])
    except Exception:
        out.append(None)
print(json.dumps(out))`;
    const r = spawnSync(PYTHON, ['-c', script, ...files], { encoding: 'utf8' });
    const numpy = JSON.parse(r.stdout) as (number[] | null)[];
    expect(numpy.filter((v) => v === null).length, 'numpy refuses some').toBeGreaterThan(5);
    for (const [k, shape] of SHAPES.entries()) {
      // numpy reads a 0-d shape, "()"; decodeNpy wants records, so none of SHAPES is one.
      expect(await shapeRead(npyFile('|u1', shape, new Uint8Array(60))), shape).toEqual(numpy[k]);
    }
  });
});

describe('decodeNpy', () => {
  it('decodes a 3 MB record carried in 1,000-byte chunks to the bytes written, then the next records', async () => {
    const record = 3_000_000;
    const data = Uint8Array.from({ length: 2 * record + 10 }, (_, i) => (i * 31 + (i >> 12)) & 0xff);
    const file = npyFile('|u1', `(2, ${record})`, data.subarray(0, 2 * record));
    const groups = await decode(file, 1000);
    expect(groups.reduce((n, g) => n + g.count, 0)).toBe(2);
    const joined = Buffer.concat(groups.map((g) => g.bytes));
    expect(joined.equals(Buffer.from(data.subarray(0, 2 * record)))).toBe(true);
    expect(groups.map((g) => g.first)).toEqual(groups.map((_, i) => groups.slice(0, i).reduce((n, g) => n + g.count, 0)));
  });

  it('refuses a byte past the records and a record cut short, naming their offsets', async () => {
    const file = npyFile('|u1', '(2, 5)', new Uint8Array(11));
    const extra = await decode(file, 3).catch((e: unknown) => e);
    expect((extra as Error).message).toBe('a.npy at byte 138: expected the end of the array after 2 records, found more bytes');
    const short = await decode(file.subarray(0, file.length - 3), 4).catch((e: unknown) => e);
    expect((short as Error).message).toBe('a.npy at byte 136: expected 2 records of 5 bytes after the 128-byte header, found the end of the data after 1 records (the file is truncated)');
  });

  it('refuses a header longer than numpy reads (10,000 characters) from its length field, before reading it', async () => {
    const head = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 0xff, 0xff, 0xff, 0xff);
    const error = await decode(head).catch((e: unknown) => e);
    expect((error as Error).message).toBe("a.npy at byte 8: expected a header dict of at most 10000 characters (numpy's max_header_size), found a length of 4294967295 bytes");
  });

  it('refuses a negative dimension, saying which', async () => {
    const error = await decode(npyFile('|u1', '(-2, 3)', new Uint8Array(6))).catch((e: unknown) => e);
    expect((error as Error).message).toBe('a.npy at byte 10: expected a shape tuple of Python ints, at least one (as numpy requires), found (-2, 3): a negative dimension (-2)');
  });
});
