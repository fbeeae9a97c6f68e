// The thread where hyparquet runs: a page it cannot decode may keep it busy for ever (see
// parquetPages.ts), and a loop on the main thread would stop the process from hearing SIGINT or
// SIGTERM. Here, terminating the thread ends it. Asked for a file's footer or a slice of rows;
// the page headers of the row groups a slice touches are checked before hyparquet decodes them.
import { parentPort } from 'node:worker_threads';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { IdxflowError } from '../errors.js';
import { checkColumnChunk, chunkRange, rowGroupsOf } from './parquetPages.js';

/** A request from the main thread. */
export type ParquetRequest = { id: number; path: string } & ({ kind: 'metadata' } | { kind: 'rows'; start: number; end: number; columns: string[] } | { kind: 'forget' });

/** The answer: a value, or an error (its details when it is an IdxflowError). */
export type ParquetReply = { id: number; value: unknown } | { id: number; error: { message: string; details?: { file: string; offset?: number; expected: string; found: string } } };

interface OpenFile {
  buffer: AsyncBuffer;
  metadata: FileMetaData;
  checked: Set<number>;
}

const files = new Map<string, OpenFile>();

async function open(path: string): Promise<OpenFile> {
  let file = files.get(path);
  if (!file) {
    const buffer = await asyncBufferFromFile(path);
    file = { buffer, metadata: await parquetMetadataAsync(buffer), checked: new Set() };
    files.set(path, file);
  }
  return file;
}

async function readRows(path: string, start: number, end: number, columns: string[]): Promise<unknown> {
  const file = await open(path);
  for (const group of rowGroupsOf(file.metadata, start, end)) {
    if (file.checked.has(group.index)) continue;
    for (const column of file.metadata.row_groups[group.index].columns) {
      const range = chunkRange(column);
      checkColumnChunk(path, column, new Uint8Array(await file.buffer.slice(range.start, range.end)), range.start, group.rows);
    }
    file.checked.add(group.index);
  }
  return parquetReadObjects({ file: file.buffer, metadata: file.metadata, columns, rowStart: start, rowEnd: end, utf8: false });
}

async function answer(request: ParquetRequest): Promise<ParquetReply> {
  if (request.kind === 'forget') {
    files.clear();
    return { id: request.id, value: undefined };
  }
  try {
    const value = request.kind === 'metadata' ? (await open(request.path)).metadata : await readRows(request.path, request.start, request.end, request.columns);
    return { id: request.id, value };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!(error instanceof IdxflowError)) return { id: request.id, error: { message } };
    return { id: request.id, error: { message, details: { file: error.file, offset: error.offset, expected: error.expected, found: error.found } } };
  }
}

parentPort?.on('message', (request: ParquetRequest) => void answer(request).then((reply) => parentPort?.postMessage(reply)));
