// The Hugging Face Hub's layout of an image-classification dataset (the MNIST card's): Parquet
// files whose rows are `image`, a struct of the PNG file's `bytes` and its `path` (null), and
// `label`, an int64 ClassLabel; the schema's `huggingface` metadata names the features, so that
// `datasets` decodes the images and knows the class names. Files are named as the Hub names
// them: `<config>/<split>-00000-of-00001.parquet` (`-00001-of-00003` for part 1 of 3).
import { dirname, join } from 'node:path';
import { type Block, BlockMismatchError, OptionError } from '@idxflow/core';
import { labelMatrixColumns, makeFolders, softLabelClasses } from '@idxflow/core/internal';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { Observable } from 'rxjs';
import { AtomicFile } from './atomic.js';
import { countError } from './errors.js';
import { ExportShape } from './exportShape.js';
import { checkSinkOptions } from './options.js';
import { encodeGreyPng } from './png.js';
import type { ExportSummary, FileSinkOptions } from './types.js';
import { writeBlocks, type BlockWriter } from './writeBlocks.js';

/** Options of `toHfParquet()`. */
export interface HfParquetOptions extends FileSinkOptions {
  /** The Hub config (subset) name, the folder of the split files. Default `'data'`. */
  config?: string;
  /** Class names, index = label value, recorded as the ClassLabel's names. Default: `numberedClasses()` of the largest label. */
  classes?: readonly string[];
  /** Rows per Parquet row group. Default 10,000. */
  rowGroupSize?: number;
}

/**
 * The class names of a split that names none: `'0'` to `'9'` (MNIST's digits, so that splits
 * and parts without every digit agree), or to the largest label when it is above 9.
 *
 * @param maxLabel The largest label written.
 *
 * ## Example
 * ```ts
 * numberedClasses(25).length; // 26: EMNIST letters, labels 0 to 25
 * ```
 */
export function numberedClasses(maxLabel: number): string[] {
  return Array.from({ length: Math.max(maxLabel + 1, 10) }, (_, k) => String(k));
}

/**
 * The `huggingface` schema metadata `datasets` reads its features from (`Features.from_arrow_schema`):
 * `image` and `label`, `soft_labels` (a `Sequence` of `float32`), `label_matrix` (a `Sequence`
 * of `uint8`) and `task` (a `Value` of `uint8`) when the rows have them.
 */
export function hfFeatures(classes: readonly string[], softLabels = false, labelMatrix = false, tasks = false): { info: { features: Record<string, unknown> } } {
  const soft = softLabels ? { soft_labels: { feature: { dtype: 'float32', _type: 'Value' }, _type: 'Sequence' } } : {};
  const matrix = labelMatrix ? { label_matrix: { feature: { dtype: 'uint8', _type: 'Value' }, _type: 'Sequence' } } : {};
  const task = tasks ? { task: { dtype: 'uint8', _type: 'Value' } } : {};
  return { info: { features: { image: { _type: 'Image' }, label: { names: [...classes], _type: 'ClassLabel' }, ...soft, ...matrix, ...task } } };
}

/** `<config>/<split>-IIIII-of-NNNNN.parquet`, numbered from the tag of a part (`part-00001-of-00003`) or 00000-of-00001. */
export function hfFileName(config: string, split: string, tag: string): string {
  const part = /^part-(\d{5,})-of-(\d{5,})$/.exec(tag);
  return `${config}/${split}-${part ? part[1] : '00000'}-of-${part ? part[2] : '00001'}.parquet`;
}

// image: struct<bytes: binary, path: string>, label: int64, as `datasets` stores an Image and a ClassLabel.
const SCHEMA = [
  { name: 'schema', num_children: 2 },
  { name: 'image', repetition_type: 'OPTIONAL' as const, num_children: 2 },
  { name: 'bytes', type: 'BYTE_ARRAY' as const, repetition_type: 'OPTIONAL' as const },
  { name: 'path', type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'OPTIONAL' as const },
  { name: 'label', type: 'INT64' as const, repetition_type: 'OPTIONAL' as const },
];

// soft_labels: list<float>, in the three-level LIST layout of the Parquet spec (LogicalTypes.md), as Arrow writes a list<float32>.
const SOFT_SCHEMA = [
  { name: 'soft_labels', repetition_type: 'OPTIONAL' as const, converted_type: 'LIST' as const, num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
  { name: 'element', type: 'FLOAT' as const, repetition_type: 'OPTIONAL' as const },
];

// label_matrix: list<uint8> (ChestMNIST's findings), the same LIST layout over INT32 annotated UINT_8.
const MATRIX_SCHEMA = [
  { name: 'label_matrix', repetition_type: 'OPTIONAL' as const, converted_type: 'LIST' as const, num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
  { name: 'element', type: 'INT32' as const, converted_type: 'UINT_8' as const, repetition_type: 'OPTIONAL' as const },
];

// task: uint8 (the continual-learning task of the sample), INT32 annotated UINT_8 as Arrow writes a uint8 column.
const TASK_SCHEMA = [{ name: 'task', type: 'INT32' as const, converted_type: 'UINT_8' as const, repetition_type: 'OPTIONAL' as const }];

/** The schema hyparquet-writer takes. */
type ParquetSchema = NonNullable<ConstructorParameters<typeof ParquetWriter>[0]['schema']>;

/** The schema of a file whose rows have soft labels, a label matrix, a task, any of them or none. */
const schemaOf = (soft: boolean, matrix: boolean, task: boolean): ParquetSchema => [
  { ...SCHEMA[0], num_children: 2 + Number(soft) + Number(matrix) + Number(task) },
  ...SCHEMA.slice(1),
  ...(soft ? SOFT_SCHEMA : []),
  ...(matrix ? MATRIX_SCHEMA : []),
  ...(task ? TASK_SCHEMA : []),
];

/** Row `i` of a block's soft labels, as numbers. */
const softRow = (block: Block, classes: number, i: number): number[] => Array.from(block.softLabels!.subarray(i * classes, (i + 1) * classes));

/** Row `i` of a block's label matrix, as numbers. */
const matrixRow = (block: Block, columns: number, i: number): number[] => Array.from(block.labelMatrix!.subarray(i * columns, (i + 1) * columns));

/** A block writer of one Parquet file: rows gathered into row groups, each encoded and appended to `file`. */
function parquetWriter(file: AtomicFile, options: { classes?: readonly string[]; rowGroupSize: number; expectedCount?: number; onProgress: (n: number) => void }): BlockWriter<{ count: number; shape: [number, number] }> {
  const bytes = new ByteWriter();
  let parquet: ParquetWriter | undefined;
  const kind = new ExportShape('toHfParquet()', 'hf');
  let rows: { bytes: Uint8Array; path: null }[] = [];
  let labels: bigint[] = [];
  let soft: number[][] = [];
  let matrix: number[][] = [];
  let tasks: number[] = [];
  let hasSoft = false; // fixed by the first block: the ExportShape refuses a later one that differs
  let hasMatrix = false;
  let hasTasks = false;
  let count = 0;
  let maxLabel = -1;
  const writerOf = (): ParquetWriter => new ParquetWriter({ writer: bytes, schema: schemaOf(hasSoft, hasMatrix, hasTasks), codec: 'UNCOMPRESSED', statistics: false });
  const drain = async (): Promise<void> => {
    const out = bytes.getBytes().slice();
    bytes.index = 0;
    await file.write(out);
  };
  const flush = async (): Promise<void> => {
    if (rows.length === 0) return;
    parquet ??= writerOf();
    const columns = [{ name: 'image', data: rows }, { name: 'label', data: labels }, ...(hasSoft ? [{ name: 'soft_labels', data: soft }] : []), ...(hasMatrix ? [{ name: 'label_matrix', data: matrix }] : []), ...(hasTasks ? [{ name: 'task', data: tasks }] : [])];
    parquet.write({ columnData: columns, rowGroupSize: rows.length });
    rows = [];
    labels = [];
    soft = [];
    matrix = [];
    tasks = [];
    await drain();
  };
  return {
    async write(block: Block) {
      if (kind.first(block)) {
        hasSoft = block.softLabels !== undefined;
        hasMatrix = block.labelMatrix !== undefined;
        hasTasks = block.tasks !== undefined;
      }
      if (!(block.images instanceof Uint8Array)) {
        throw new BlockMismatchError({ file: 'toHfParquet()', expected: 'uint8 images (the Hub layout holds PNG files)', found: 'float32 images' });
      }
      const [n, h, w] = block.shape;
      const classes = softLabelClasses(block);
      const columns = labelMatrixColumns(block);
      if (options.expectedCount !== undefined && count + n > options.expectedCount) throw countError(file.path, options.expectedCount, count + n, true);
      for (let i = 0; i < n; i++) {
        rows.push({ bytes: encodeGreyPng(block.images.subarray(i * h * w, (i + 1) * h * w), w, h), path: null });
        const label = block.classIds?.[i] ?? block.labels[i]; // Kuzushiji-Kanji's class ids, past 255
        labels.push(BigInt(label));
        if (hasSoft) soft.push(softRow(block, classes, i));
        if (hasMatrix) matrix.push(matrixRow(block, columns, i));
        if (hasTasks) tasks.push(block.tasks![i]);
        maxLabel = Math.max(maxLabel, label);
      }
      count += n;
      if (rows.length >= options.rowGroupSize) await flush();
      options.onProgress(count);
    },
    async end() {
      if (options.expectedCount !== undefined && count !== options.expectedCount) throw countError(file.path, options.expectedCount, count);
      await flush();
      const classes = options.classes ?? numberedClasses(maxLabel);
      if (maxLabel >= classes.length) throw new BlockMismatchError({ file: 'toHfParquet()', expected: `labels below ${classes.length} (one per class name)`, found: `label ${maxLabel}` });
      parquet ??= writerOf();
      parquet.kvMetadata = [{ key: 'huggingface', value: JSON.stringify(hfFeatures(classes, hasSoft, hasMatrix, hasTasks)) }];
      parquet.finish();
      await drain();
      return { count, shape: kind.shape ?? [0, 0] };
    },
    abort: () => file.abort(),
  };
}

/**
 * Writes one split in the Hugging Face Hub's layout: `<config>/<split>-00000-of-00001.parquet`,
 * rows of `image` (`struct<bytes: binary, path: string>`, the PNG file, path null) and `label`
 * (int64), and `soft_labels` (`list<float>`, `classes` per row) when the blocks carry soft labels
 * (after `mixup()` or `cutmix()`), `label_matrix` (`list<uint8>`) with a label matrix, and `task`
 * (uint8, the sample's task) after `permutedTasks()`, `rotatedTasks()` or `splitTasks()`, with the `huggingface` features metadata (`Image`,
 * `ClassLabel` with `classes`, a `Sequence` of `float32`) in the schema, so `datasets.load_dataset('parquet', ...)` decodes images and names classes.
 * Written with hyparquet-writer, uncompressed (PNG bytes do not compress further), under a
 * temporary name until complete.
 *
 * @param source The pipeline: uint8 images.
 * @param options See `HfParquetOptions`.
 * @returns What was written: the one Parquet file and its SHA-256.
 *
 * ## Example
 * ```ts
 * import { mnist } from '@idxflow/core';
 * await toHfParquet(mnist({ split: 'test' }), { dir: 'out/hf', split: 'test', config: 'mnist' }); // out/hf/mnist/test-00000-of-00001.parquet
 * ```
 */
export async function toHfParquet(source: Observable<Block>, options: HfParquetOptions): Promise<ExportSummary> {
  const { dir, split, expectedCount, onProgress, signal, tag, onFile, written } = checkSinkOptions(options);
  const config = options.config ?? 'data';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(config)) throw new OptionError(`Expected letters, digits, '.', '_' or '-' for config but received ${JSON.stringify(config)}`);
  const rowGroupSize = options.rowGroupSize ?? 10000;
  if (!Number.isSafeInteger(rowGroupSize) || rowGroupSize < 1) throw new OptionError(`Expected integer >= 1 for rowGroupSize but received ${String(rowGroupSize)}`);
  const name = hfFileName(config, split, tag);
  await makeFolders(dirname(join(dir, name)));
  const file = await AtomicFile.create(join(dir, name));
  const result = await writeBlocks(source, parquetWriter(file, { classes: options.classes, rowGroupSize, expectedCount, onProgress }), signal, written);
  try {
    const entry = { name, ...(await file.commit()) };
    await onFile(entry);
    return { dir, files: [entry], count: result.count, shape: result.shape, dtype: 'uint8' };
  } catch (error) {
    await file.abort();
    throw error;
  }
}
