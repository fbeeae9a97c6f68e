// How `parquet()` reads (loaded when its stream is subscribed or a function that reads a file
// is called; see fromReader.ts).
import type { FileMetaData } from 'hyparquet';
import type { Observable } from 'rxjs';
import type { Block } from '../block.js';
import { ParquetFormatError } from '../errors.js';
import { produce } from '../operate.js';
import { decodeGrey } from '../images/decodeGrey.js';
import { mapBounded } from '../images/mapBounded.js';
import { ParquetThread } from './parquetThread.js';

/** Images decoded at once: each may be up to `maxImagePixels` (in RGBA while libvips converts it). */
const DECODING_AT_ONCE = 4;

/** The most pixels a block holds (64 MiB): `blockSize` rows of large images would not fit in memory. */
const BLOCK_PIXELS = 2 ** 26;

/** Rows per block: `blockSize`, fewer when that many images of `shape` would pass BLOCK_PIXELS (at least 1). */
function rowsPerBlock(blockSize: number, shape: [number, number] | undefined): number {
  return shape ? Math.max(1, Math.min(blockSize, Math.floor(BLOCK_PIXELS / (shape[0] * shape[1])))) : blockSize;
}

/** The class names a file's `huggingface` schema metadata gives its label column, if any. */
function hfClassNames(metadata: Pick<FileMetaData, 'key_value_metadata'>, labelColumn = 'label'): string[] | undefined {
  const value = metadata.key_value_metadata?.find((kv) => kv.key === 'huggingface')?.value;
  if (!value) return undefined;
  try {
    const names = (JSON.parse(value) as { info?: { features?: Record<string, { names?: unknown }> } }).info?.features?.[labelColumn]?.names;
    return Array.isArray(names) && names.every((n) => typeof n === 'string') ? names : undefined;
  } catch {
    return undefined;
  }
}

/** The class names of `parquetClassNames()`, from the first of `files` (at least one). */
export async function classNamesOf(files: readonly string[], labelColumn: string): Promise<string[] | undefined> {
  const thread = ParquetThread.take();
  try {
    return hfClassNames(await metadataOf(thread, files[0]), labelColumn);
  } finally {
    await thread.release();
  }
}

/** The feature names of `parquetFeatureNames()`. */
export async function featureNamesOf(file: string): Promise<string[] | undefined> {
  const thread = ParquetThread.take();
  try {
    const value = (await metadataOf(thread, file)).key_value_metadata?.find((kv) => kv.key === 'huggingface')?.value;
    const features = value === undefined ? undefined : (JSON.parse(value) as { info?: { features?: unknown } }).info?.features;
    return typeof features === 'object' && features !== null ? Object.keys(features) : undefined;
  } catch {
    return undefined;
  } finally {
    await thread.release();
  }
}

function imageBytes(file: string, row: number, value: unknown): Uint8Array {
  const bytes = value instanceof Uint8Array ? value : (value as { bytes?: unknown } | null)?.bytes;
  if (!(bytes instanceof Uint8Array)) throw new ParquetFormatError({ file, expected: `an image (struct with bytes, or binary) in row ${row}`, found: bytes === null || bytes === undefined ? 'null' : typeof bytes });
  return bytes;
}

function labelByte(file: string, row: number, value: unknown): number {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 255) throw new ParquetFormatError({ file, expected: `a label from 0 to 255 in row ${row}`, found: String(value) });
  return n;
}

/** A ParquetFormatError for what hyparquet could not read in a damaged file (its own errors name no file). */
function damaged(file: string, expected: string, error: unknown): ParquetFormatError {
  return new ParquetFormatError({ file, expected, found: `a damaged file (${error instanceof Error ? error.message : String(error)})` });
}

/** The file's footer, its schema checked to be there. */
async function metadataOf(thread: ParquetThread, path: string): Promise<FileMetaData> {
  try {
    const metadata = await thread.metadata(path);
    if (!Array.isArray(metadata.schema) || !Array.isArray(metadata.row_groups)) throw damaged(path, 'a Parquet file (magic PAR1 and a footer)', 'no schema or row groups');
    return metadata;
  } catch (error) {
    if (error instanceof ParquetFormatError) throw error;
    throw damaged(path, 'a Parquet file (magic PAR1 and a footer)', error);
  }
}

/** Rows `[start, end)` of one file as a Block (pixels decoded), its samples numbered from `index`. */
async function readRows(thread: ParquetThread, path: string, range: { start: number; end: number; index: number }, columns: [string, string], like: { shape?: [number, number]; maxPixels: number; signal: AbortSignal }): Promise<Block<Uint8Array>> {
  const rows = await thread.rows(path, range.start, range.end, columns).catch((error: unknown) => {
    if (error instanceof ParquetFormatError) throw error;
    throw damaged(path, `readable rows ${range.start} to ${range.end - 1} (their pages decode)`, error);
  });
  const n = rows.length;
  const decoded = await mapBounded(rows, DECODING_AT_ONCE, (row, i) => decodeGrey(imageBytes(path, range.start + i, row[columns[0]]), `${path} row ${range.start + i}`, like.maxPixels), like.signal);
  like.shape ??= decoded.length > 0 ? [decoded[0].height, decoded[0].width] : undefined;
  const [h, w] = like.shape ?? [0, 0];
  const images = new Uint8Array(n * h * w);
  const labels = new Uint8Array(n);
  decoded.forEach((image, i) => {
    if (image.height !== h || image.width !== w) throw new ParquetFormatError({ file: path, expected: `images of ${h} x ${w} like the first (row ${range.start + i})`, found: `${image.height} x ${image.width}` });
    images.set(image.pixels, i * h * w);
    labels[i] = labelByte(path, range.start + i, rows[i][columns[1]]);
  });
  return { images, labels, indices: Uint32Array.from({ length: n }, (_, i) => range.index + i), epoch: 0, shape: [n, h, w] };
}

/** The blocks of `parquet()`, its options checked. */
export function parquetBlocks(files: readonly string[], columns: [string, string], sizes: { blockSize: number; maxPixels: number }): Observable<Block<Uint8Array>> {
  return produce<Block<Uint8Array>>(2, async (emit, subscriber, signal) => {
    const thread = ParquetThread.take(signal);
    try {
      await readFiles(thread, files, columns, { ...sizes, signal }, emit, subscriber);
    } finally {
      await thread.release();
    }
  });
}

/** Every file's rows, a block at a time, until the subscriber leaves. */
async function readFiles(thread: ParquetThread, files: readonly string[], columns: [string, string], sizes: { blockSize: number; maxPixels: number; signal: AbortSignal }, emit: (block: Block<Uint8Array>) => Promise<void>, subscriber: { closed: boolean }): Promise<void> {
  const like: { shape?: [number, number]; maxPixels: number; signal: AbortSignal } = { maxPixels: sizes.maxPixels, signal: sizes.signal };
  let index = 0;
  for (const path of files) {
    const metadata = await metadataOf(thread, path);
    const names = metadata.schema.map((s) => s.name);
    const missing = columns.find((c) => !names.includes(c));
    if (missing) throw new ParquetFormatError({ file: path, expected: `columns ${columns.join(' and ')}`, found: `columns ${metadata.schema.slice(1).map((s) => s.name).join(', ')}` });
    const rows = Number(metadata.num_rows);
    // The first image's size, before a block of them is decoded: large images make smaller blocks.
    if (!like.shape && rows > 0) await readRows(thread, path, { start: 0, end: 1, index }, columns, like);
    const step = rowsPerBlock(sizes.blockSize, like.shape);
    for (let start = 0; start < rows && !subscriber.closed; start += step) {
      const block = await readRows(thread, path, { start, end: Math.min(rows, start + step), index }, columns, like);
      index += block.shape[0];
      await emit(block);
    }
  }
}
