// What idxFileInfo() reads as a stream: a .gz's header, inflated a chunk or so, and a whole file
// decoded for the exact error when its size disagrees with its header. Imported for those cases
// only (info.ts): a raw file's header is read from its first bytes, with no stream.
import { lastValueFrom, Observable, reduce } from '../rx.js';
import { fromFile } from '../sources/file.js';
import { decodeIdx } from './decode.js';
import type { IdxHeader } from './types.js';

/** The file's bytes as IDX, through gunzip (loaded here), which passes raw bytes through unchanged. */
async function idxBytes(file: string, maxInflateRatio: number): Promise<Observable<Uint8Array>> {
  return fromFile(file).pipe((await import('../gunzip.js')).gunzip({ file, maxInflateRatio }));
}

/** The header, read through gunzip by inflating no more than it needs (a chunk or so), then closing the file. */
export async function streamedHeader(file: string, maxInflateRatio: number): Promise<IdxHeader> {
  const bytes = await idxBytes(file, maxInflateRatio);
  const header = new Observable<IdxHeader>((subscriber) =>
    bytes.pipe(decodeIdx({ file, onHeader: (h) => (subscriber.next(h), subscriber.complete()) })).subscribe({ error: (error: unknown) => subscriber.error(error) }),
  );
  return lastValueFrom(header);
}

/**
 * Decodes the whole file (through gunzip, which passes raw bytes through unchanged), in one
 * reading: for the exact error where the size disagrees (an IdxFormatError for a truncated
 * file, a GzipError for a corrupt one), and for a file that is not a regular one (a pipe, which
 * can be read only once). Resolves with the header of a file that decodes after all (a gzip of
 * several members).
 */
export async function decodeWhole(file: string, maxInflateRatio: number): Promise<IdxHeader> {
  let header: IdxHeader | undefined;
  await lastValueFrom((await idxBytes(file, maxInflateRatio)).pipe(decodeIdx({ file, onHeader: (h) => (header = h) }), reduce((n) => n + 1, 0)));
  return header!; // decodeIdx completes only after a header
}
