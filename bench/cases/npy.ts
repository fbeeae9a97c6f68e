// NPY decoding of one large record read in 64 KiB chunks (a file's chunk size): 20, 40 and
// 100 MB. The time must grow with the size, not its square (a partial record used to be copied
// again at every chunk: 20 MB took 10-12 s, 100 MB over 180 s).
import { decodeNpy } from '@idxflow/core/internal';
import { fromBytes } from '@idxflow/core';
import { lastValueFrom, reduce } from 'rxjs';
import { measure, type CaseResult } from '../harness.js';

/** An NPY file of one `|u1` record of `bytes` bytes, shape (1, bytes). */
function oneRecord(bytes: number): Uint8Array {
  const dict = `{'descr': '|u1', 'fortran_order': False, 'shape': (1, ${bytes}), }`;
  const headerBytes = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const file = new Uint8Array(headerBytes + bytes).fill(0x20, 0, headerBytes);
  file.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, (headerBytes - 10) & 0xff, (headerBytes - 10) >> 8]);
  file.set(new TextEncoder().encode(dict), 10);
  file[headerBytes - 1] = 0x0a;
  for (let i = headerBytes; i < file.length; i += 4096) file[i] = i & 0xff;
  return file;
}

export async function npyCases(which: string): Promise<CaseResult> {
  const mb = Number(which);
  if (![20, 40, 100].includes(mb)) throw new Error(`unknown npy case ${which}`);
  const file = oneRecord(mb * 1e6);
  const decode = (): Promise<number> => lastValueFrom(fromBytes(file, { chunkSize: 1 << 16 }).pipe(decodeNpy({ file: 'one-record.npy' }), reduce((n, r) => n + r.count, 0)));
  const result = await measure(`npy: decode one record of ${mb} MB in 64 KiB chunks`, decode, { runs: 3 });
  return { ...result, extra: { MB: mb, MBps: Math.round(mb / result.medianSeconds) } };
}
