// A second, independent Parquet reader and writer for the hf tests: parquet-wasm (the Rust
// `parquet` crate of Apache Arrow, compiled to WebAssembly) with Apache Arrow's JavaScript
// library, unrelated to hyparquet and hyparquet-writer, which idxflow uses.
import { Binary, Field, Int64, Struct, Table, tableFromIPC, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import * as parquetWasm from 'parquet-wasm';

/** What parquet-wasm reads of a file: its fields' Arrow types, its schema metadata and its rows. */
export interface ArrowRead {
  fields: string[];
  metadata: Map<string, string>;
  images: { bytes: Uint8Array; path: string | null }[];
  labels: bigint[];
}

/** Reads a Parquet file with parquet-wasm. */
export function readWithArrow(bytes: Uint8Array): ArrowRead {
  const table = tableFromIPC(parquetWasm.readParquet(bytes).intoIPCStream());
  const images: ArrowRead['images'] = [];
  const labels: bigint[] = [];
  for (const row of table) {
    const image = row.image as { bytes: Uint8Array; path: string | null };
    images.push({ bytes: image.bytes, path: image.path });
    labels.push(row.label as bigint);
  }
  return { fields: table.schema.fields.map((f) => `${f.name}: ${String(f.type)}`), metadata: table.schema.metadata, images, labels };
}

/** A Parquet file in the Hub's layout written by parquet-wasm (snappy), with the given key-value metadata (as pyarrow writes a schema's). */
export function writeWithArrow(pngs: Uint8Array[], labels: number[], metadata: Record<string, string>): Uint8Array {
  const imageType = new Struct([new Field('bytes', new Binary(), true), new Field('path', new Utf8(), true)]);
  const image = vectorFromArray(pngs.map((bytes) => ({ bytes, path: null })), imageType);
  const label = vectorFromArray(labels.map((l) => BigInt(l)), new Int64());
  const wasmTable = parquetWasm.Table.fromIPCStream(tableToIPC(new Table({ image, label }), 'stream'));
  const props = new parquetWasm.WriterPropertiesBuilder().setCompression(parquetWasm.Compression.SNAPPY).setKeyValueMetadata(new Map(Object.entries(metadata))).build();
  return parquetWasm.writeParquet(wasmTable, props);
}
