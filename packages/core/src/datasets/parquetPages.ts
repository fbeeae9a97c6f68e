// A walk over the page headers of a Parquet column chunk, checking what hyparquet's page
// decoders take on trust before they run: a header field that is missing or out of bounds sends
// them into a loop (a DATA_PAGE_V2 header without repetition_levels_byte_length sets their
// reader's offset to NaN, and readVarInt then reads byte 0, 0x80, for ever; see
// docs/upstream/hyparquet-readvarint-loop.md). Each page's sizes must fit in its chunk, its
// counts in its row group, and its CRC (when written) must match.
import type { ColumnChunk, FileMetaData, PageHeader } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { crc32 } from '../crc32.js';
import { ParquetFormatError } from '../errors.js';

/** The encodings hyparquet decodes in a data page. */
const DATA_ENCODINGS = new Set(['PLAIN', 'RLE', 'PLAIN_DICTIONARY', 'RLE_DICTIONARY', 'DELTA_BINARY_PACKED', 'DELTA_LENGTH_BYTE_ARRAY', 'DELTA_BYTE_ARRAY', 'BYTE_STREAM_SPLIT']);

const isCount = (n: unknown, most: number): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= most;

/** Where a page sits, for an error. */
interface PageAt {
  file: string;
  column: string;
  offset: number;
}

function refuse(at: PageAt, expected: string, found: string): ParquetFormatError {
  return new ParquetFormatError({ file: at.file, offset: at.offset, expected: `${expected} (column ${at.column})`, found });
}

/** The values a data page header declares, each field checked; 0 for other pages. */
function checkHeader(header: PageHeader, at: PageAt, rows: number, total: number): number {
  if (header.type === 'DATA_PAGE') {
    const h = header.data_page_header;
    if (!h || !isCount(h.num_values, total)) throw refuse(at, `a DATA_PAGE header with num_values from 0 to the chunk's ${total}`, String(h?.num_values));
    if (!DATA_ENCODINGS.has(h.encoding) || h.definition_level_encoding !== 'RLE' && h.definition_level_encoding !== 'BIT_PACKED') throw refuse(at, 'a DATA_PAGE header with known encodings', `${String(h.encoding)}, levels ${String(h.definition_level_encoding)}`);
    return h.num_values;
  }
  if (header.type === 'DATA_PAGE_V2') {
    const h = header.data_page_header_v2;
    if (!h || !isCount(h.num_values, total) || !isCount(h.num_rows, rows) || !isCount(h.num_nulls, h.num_values)) throw refuse(at, `a DATA_PAGE_V2 header with num_values from 0 to the chunk's ${total}, num_rows to the row group's ${rows}, num_nulls at most num_values`, `${String(h?.num_values)}, ${String(h?.num_rows)}, ${String(h?.num_nulls)}`);
    const levels = header.compressed_page_size;
    if (!isCount(h.repetition_levels_byte_length, levels) || !isCount(h.definition_levels_byte_length, levels - h.repetition_levels_byte_length)) throw refuse(at, `level lengths that fit in the page's ${levels} bytes`, `repetition_levels_byte_length ${String(h.repetition_levels_byte_length)}, definition_levels_byte_length ${String(h.definition_levels_byte_length)}`);
    if (!DATA_ENCODINGS.has(h.encoding)) throw refuse(at, 'a DATA_PAGE_V2 header with a known encoding', String(h.encoding));
    return h.num_values;
  }
  if (header.type === 'DICTIONARY_PAGE') {
    const h = header.dictionary_page_header;
    if (!h || !isCount(h.num_values, 2 ** 31 - 1)) throw refuse(at, 'a DICTIONARY_PAGE header with num_values', String(h?.num_values));
    return 0;
  }
  if (header.type === 'INDEX_PAGE') return 0;
  throw refuse(at, 'a page type (DATA_PAGE, DATA_PAGE_V2, DICTIONARY_PAGE, INDEX_PAGE)', String(header.type));
}

/**
 * Checks every page header of one column chunk (its bytes, `chunk`, read from the file at
 * `start`): sizes within the chunk, counts within the row group's `rows`, the data pages' values
 * adding up to the chunk's `num_values`, each page's CRC-32 when the writer gave one.
 *
 * @throws ParquetFormatError naming the page's offset in the file.
 */
export function checkColumnChunk(file: string, column: ColumnChunk, chunk: Uint8Array, start: number, rows: number): void {
  const meta = column.meta_data;
  const name = meta?.path_in_schema.join('.') ?? '?';
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const total = Number(meta?.num_values ?? 0);
  let values = 0;
  for (let offset = 0; offset < chunk.byteLength && values < total; ) {
    const at = { file, column: name, offset: start + offset };
    const reader = { view, offset };
    let header: PageHeader;
    try {
      header = parquetHeader(reader);
    } catch (error) {
      throw refuse(at, 'a page header', `none readable (${(error as Error).message})`);
    }
    const left = chunk.byteLength - reader.offset;
    if (!isCount(header.compressed_page_size, left) || !isCount(header.uncompressed_page_size, 2 ** 31 - 1)) throw refuse(at, `page sizes that fit in the chunk's ${left} bytes left`, `compressed_page_size ${String(header.compressed_page_size)}, uncompressed_page_size ${String(header.uncompressed_page_size)}`);
    values += checkHeader(header, at, rows, total);
    const body = chunk.subarray(reader.offset, reader.offset + header.compressed_page_size);
    if (header.crc !== undefined && (crc32(body) | 0) !== (header.crc | 0)) throw refuse(at, `a page whose CRC-32 is ${(header.crc >>> 0).toString(16)}`, `${crc32(body).toString(16)}`);
    offset = reader.offset + header.compressed_page_size;
  }
  if (values !== total) throw refuse({ file, column: name, offset: start }, `data pages holding the chunk's ${total} values`, `${values}`);
}

/** The byte range of a column chunk: from its dictionary page (if any) or first data page. */
export function chunkRange(column: ColumnChunk): { start: number; end: number } {
  const meta = column.meta_data;
  const dictionary = meta?.dictionary_page_offset === undefined ? undefined : Number(meta.dictionary_page_offset);
  const start = Math.min(Number(meta?.data_page_offset ?? 0), dictionary ?? Infinity);
  return { start, end: start + Number(meta?.total_compressed_size ?? 0) };
}

/** The row groups of `metadata` that hold rows `[start, end)`, with the first row of each. */
export function rowGroupsOf(metadata: FileMetaData, start: number, end: number): { index: number; first: number; rows: number }[] {
  const out: { index: number; first: number; rows: number }[] = [];
  let first = 0;
  metadata.row_groups.forEach((group, index) => {
    const rows = Number(group.num_rows);
    if (first < end && first + rows > start) out.push({ index, first, rows });
    first += rows;
  });
  return out;
}
