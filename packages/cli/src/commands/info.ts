import { open } from 'node:fs/promises';
import { decodeIdx, fromFile, gunzip, type IdxHeader } from '@idxflow/core';
import { inflateCeiling, inflateLimitError, DEFAULT_MAX_INFLATE_RATIO } from '@idxflow/core/internal';
import { lastValueFrom, Observable, reduce } from 'rxjs';
import { UsageError } from '../usageError.js';

export { UsageError } from '../usageError.js';

/** What `idxflow info` reports of an IDX file. */
export interface IdxInfo {
  type: string;
  dims: number[];
  count: number;
}

/** The header, read by inflating no more than it needs (a chunk or so), then closing the file. */
function headerOf(file: string, maxInflateRatio: number): Promise<IdxHeader> {
  const header = new Observable<IdxHeader>((subscriber) =>
    fromFile(file)
      .pipe(gunzip({ file, maxInflateRatio }), decodeIdx({ file, onHeader: (h) => (subscriber.next(h), subscriber.complete()) }))
      .subscribe({ error: (error: unknown) => subscriber.error(error) }),
  );
  return lastValueFrom(header);
}

/** Whether the file's size agrees with the header: a raw file's length, a gzip trailer's ISIZE (the size mod 2^32). */
async function sizeAgrees(file: string, declared: number): Promise<{ agrees: boolean; gzipped: boolean; size: number }> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const ends = new Uint8Array(Math.min(size, 8));
    await handle.read(ends, 0, 2, 0);
    if (ends[0] !== 0x1f || ends[1] !== 0x8b) return { agrees: size === declared, gzipped: false, size };
    await handle.read(ends, 0, ends.length, size - ends.length);
    const isize = new DataView(ends.buffer).getUint32(ends.length - 4, true);
    return { agrees: ends.length === 8 && isize === declared % 2 ** 32, gzipped: true, size };
  } finally {
    await handle.close();
  }
}

/**
 * Reports an IDX file's (raw or gzipped) type, dimensions and record count from its header,
 * reading only what the header needs: a .gz is inflated a chunk or so, then closed. The file's
 * size is checked against the header (a raw file's length; a .gz's trailer size field, and the
 * size it declares against `maxInflateRatio` times its compressed size, so a decompression bomb
 * is refused without inflating it). Where the size disagrees, the file is decoded whole for the
 * exact error (a truncated file, a corrupt gzip), with gunzip's ceiling in force.
 */
export async function idxInfo(file: string, options: { maxInflateRatio?: number } = {}): Promise<IdxInfo> {
  const ratio = options.maxInflateRatio ?? DEFAULT_MAX_INFLATE_RATIO;
  const header = await headerOf(file, ratio);
  const declared = header.headerBytes + header.dims[0] * header.recordBytes;
  const { agrees, gzipped, size } = await sizeAgrees(file, declared);
  if (gzipped && declared > inflateCeiling(size, ratio)) throw inflateLimitError({ file }, size, declared, ratio);
  if (!agrees) {
    // Decoded whole for the exact error; a file that decodes after all (a gzip of several members) is reported.
    await lastValueFrom(fromFile(file).pipe(gunzip({ file, maxInflateRatio: ratio }), decodeIdx({ file }), reduce((n) => n + 1, 0)));
  }
  return { type: header.type, dims: [...header.dims], count: header.dims[0] };
}

export async function info(args: { positionals: string[]; json: boolean; maxInflateRatio?: number }, out: NodeJS.WritableStream): Promise<void> {
  const [file] = args.positionals;
  if (!file || args.positionals.length > 1) {
    throw new UsageError(`Expected one FILE for idxflow info but received ${args.positionals.length === 0 ? 'none' : args.positionals.length} (Usage: idxflow info FILE [--json])`);
  }
  const result = await idxInfo(file, { maxInflateRatio: args.maxInflateRatio });
  if (args.json) out.write(JSON.stringify(result) + '\n');
  else out.write(`${file}\n  type   ${result.type}\n  dims   ${result.dims.join(' x ')}\n  count  ${result.count}\n`);
}
